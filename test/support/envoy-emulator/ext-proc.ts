/**
 * ext_proc emulation (envoy-semantics b.6): one bidi stream per HTTP request, opened lazily; static
 * processing mode (headers SEND, bodies NONE unless overridden); `mode_override` honored on header answers
 * (body modes literal); BUFFERED bodies sent whole, with headers held so the body answer can still mutate
 * them, and the kept content-length checked against the mutated body; header values read from `raw_value`
 * only (value alone → empty header; both → error); clean close → continue without processing; gRPC error →
 * `status_on_error`; per-message timeout → 504; ImmediateResponse → local reply (status < 200 → 200).
 */
import * as grpc from '@grpc/grpc-js';
import { loadExtProcProto } from '../../../src/envoy/protos';
import { jsonToStruct } from '../../../src/envoy/struct';
import type { JsonObject } from '../../../src/calls/types';
import type { ProcessingRequest } from '../../../src/generated/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse__Output } from '../../../src/generated/envoy/service/ext_proc/v3/ProcessingResponse';
import type { CommonResponse__Output } from '../../../src/generated/envoy/service/ext_proc/v3/CommonResponse';
import { removeHeader, setHeader, type HeaderList } from './header-list';

export interface ExtProcSettings {
  /** "127.0.0.1:port" of the ExternalProcessor service. */
  address: string;
  /** Default 500. */
  statusOnError?: number;
  /** Default 200 (Envoy's message_timeout). */
  messageTimeoutMs?: number;
  /** Default true. */
  allowModeOverride?: boolean;
  /** STREAMED bodies are cut into chunks of this many bytes (default 7, to split values). */
  streamChunkBytes?: number;
}

export type BodyMode = 'NONE' | 'BUFFERED' | 'STREAMED';

/** What a step of the stream tells the filter to do. */
export type ExtProcOutcome =
  | { readonly kind: 'continue'; readonly response: ProcessingResponse__Output | undefined }
  | { readonly kind: 'local-reply'; readonly status: number; readonly body: string; readonly details: string };

type Client = grpc.Client & { Process(): grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse__Output> };

export interface ExtProcStream {
  requestBodyMode: BodyMode;
  responseBodyMode: BodyMode;
  /** False once the server closed cleanly: the rest of the exchange goes unprocessed. */
  active: boolean;
  exchange(message: ProcessingRequest, expect: NonNullable<ProcessingResponse__Output['response']>): Promise<ExtProcOutcome>;
  close(): void;
}

export function createExtProcClient(settings: ExtProcSettings): Client {
  const Ctor = loadExtProcProto().envoy.service.ext_proc.v3.ExternalProcessor;
  return new Ctor(settings.address, grpc.credentials.createInsecure()) as unknown as Client;
}

export function toHeaderMap(list: HeaderList): NonNullable<ProcessingRequest['request_headers']>['headers'] {
  return { headers: list.map(([key, v]) => ({ key, raw_value: Buffer.from(v, 'latin1') })) };
}

export function metadataContextOf(metadata: Record<string, unknown> | undefined): ProcessingRequest['metadata_context'] {
  return { filter_metadata: metadata === undefined ? {} : { 'envoy.filters.http.ext_authz': jsonToStruct(metadata as JsonObject) } };
}

/** Body modes in an override are literal: unset is NONE. BUFFERED_PARTIAL is not emulated (treated as BUFFERED). */
function bodyModeOf(mode: string): BodyMode {
  if (mode === 'STREAMED') return 'STREAMED';
  return mode === 'BUFFERED' || mode === 'BUFFERED_PARTIAL' ? 'BUFFERED' : 'NONE';
}

export function openExtProcStream(client: Client, settings: ExtProcSettings): ExtProcStream {
  const call = client.Process();
  const queue: ProcessingResponse__Output[] = [];
  const waiters: ((r: ProcessingResponse__Output | grpc.ServiceError | 'closed') => void)[] = [];
  let ended: grpc.ServiceError | 'closed' | undefined;
  const deliver = (item: ProcessingResponse__Output | grpc.ServiceError | 'closed'): void => {
    const w = waiters.shift();
    if (w !== undefined) w(item);
    else if (item !== 'closed' && !('code' in item)) queue.push(item);
  };
  call.on('data', (r: ProcessingResponse__Output) => deliver(r));
  call.on('error', (err: grpc.ServiceError) => {
    ended = err;
    while (waiters.length > 0) deliver(err);
  });
  call.on('status', (s: grpc.StatusObject) => {
    if (s.code !== grpc.status.OK) return;
    ended = 'closed';
    while (waiters.length > 0) deliver('closed');
  });
  const next = (): Promise<ProcessingResponse__Output | grpc.ServiceError | 'closed' | 'timeout'> => {
    const queued = queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (ended !== undefined) return Promise.resolve(ended);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), settings.messageTimeoutMs ?? 200);
      waiters.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  };
  const statusOnError = settings.statusOnError ?? 500;
  const stream: ExtProcStream = {
    requestBodyMode: 'NONE',
    responseBodyMode: 'NONE',
    active: true,
    async exchange(message, expect) {
      if (!stream.active) return { kind: 'continue', response: undefined };
      call.write(message);
      const r = await next();
      if (r === 'timeout') {
        call.cancel();
        return { kind: 'local-reply', status: 504, body: '', details: 'ext_proc_error_per-message_timeout_exceeded' };
      }
      if (r === 'closed') {
        stream.active = false;
        return { kind: 'continue', response: undefined };
      }
      if ('code' in r && typeof r.code === 'number' && !('response' in r)) {
        return { kind: 'local-reply', status: statusOnError, body: '', details: `ext_proc_error_gRPC_error_${r.code}` };
      }
      const response = r as ProcessingResponse__Output;
      if (response.response === 'immediate_response') {
        const code = Number(response.immediate_response?.status?.code ?? 0);
        return { kind: 'local-reply', status: code < 200 ? 200 : code, body: Buffer.from(response.immediate_response?.body ?? '').toString('utf8'), details: response.immediate_response?.details ?? '' };
      }
      if (response.response !== expect) {
        call.cancel();
        return { kind: 'local-reply', status: statusOnError, body: '', details: 'ext_proc_error_spurious_message' };
      }
      const headersAnswer = expect === 'request_headers' || expect === 'response_headers';
      if (headersAnswer && response.mode_override !== null && settings.allowModeOverride !== false) {
        stream.requestBodyMode = bodyModeOf(response.mode_override.request_body_mode);
        stream.responseBodyMode = bodyModeOf(response.mode_override.response_body_mode);
      }
      return { kind: 'continue', response };
    },
    close() {
      call.end();
    },
  };
  return stream;
}

/** Applies a CommonResponse's header mutation; a `value`-only header becomes empty, both set is an error. */
export function applyHeaderMutation(list: HeaderList, common: CommonResponse__Output | null | undefined): 'ok' | 'error' {
  const mutation = common?.header_mutation;
  if (mutation === null || mutation === undefined) return 'ok';
  for (const name of mutation.remove_headers) if (!name.startsWith(':') && name !== 'host') removeHeader(list, name);
  for (const option of mutation.set_headers) {
    const h = option.header;
    if (h === null) continue;
    const raw = Buffer.from(h.raw_value).toString('latin1');
    if (raw !== '' && h.value !== '') return 'error';
    if (h.key.startsWith(':') || h.key === 'host') continue;
    setHeader(list, h.key, raw);
  }
  return 'ok';
}

/** The body after a CommonResponse: replaced, cleared, or unchanged. */
export function applyBodyMutation(body: Buffer, common: CommonResponse__Output | null | undefined): Buffer {
  const m = common?.body_mutation;
  if (m === null || m === undefined) return body;
  if (m.mutation === 'clear_body' && m.clear_body) return Buffer.alloc(0);
  if (m.mutation === 'body') return Buffer.from(m.body ?? Buffer.alloc(0));
  return body;
}
