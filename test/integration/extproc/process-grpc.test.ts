import * as grpc from '@grpc/grpc-js';
import { gunzipSync, gzipSync } from 'node:zlib';
import { loadExtProcProto } from '../../../src/envoy/protos';
import { jsonToStruct } from '../../../src/envoy/struct';
import { createSession } from '../../../src/extproc/session';
import { createGrpcServer, type GrpcServer } from '../../../src/transport/grpc/server';
import type { ProcessingRequest } from '../../../src/generated/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse__Output } from '../../../src/generated/envoy/service/ext_proc/v3/ProcessingResponse';
import type { SessionReport } from '../../../src/extproc/session';
import { buildCustomDetector } from '../../../src/masking/detectors';

interface Obligations {
  mask?: string[];
  mask_fields?: string[];
  redact_args?: string[];
}

function metadata(ob: Obligations | undefined): ProcessingRequest['metadata_context'] {
  if (ob === undefined) return { filter_metadata: {} };
  const meta = { decision_id: 'dec-1', decision: 'allow', obligations: { mask: ob.mask ?? [], mask_fields: ob.mask_fields ?? [], redact_args: ob.redact_args ?? [] } };
  return { filter_metadata: { 'envoy.filters.http.ext_authz': jsonToStruct(meta) } };
}

const headers = (pairs: Record<string, string>, endOfStream = false): { headers: { headers: { key: string; raw_value: Buffer }[] }; end_of_stream: boolean } => ({
  headers: { headers: Object.entries(pairs).map(([key, v]) => ({ key, raw_value: Buffer.from(v) })) },
  end_of_stream: endOfStream,
});

type Exchange = { replies: ProcessingResponse__Output[]; error?: grpc.ServiceError; cleanClose: boolean };

let server: GrpcServer;
let client: grpc.Client & { Process(): grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse__Output> };
const reports: { report: SessionReport; failure: string | undefined }[] = [];

beforeAll(async () => {
  server = createGrpcServer({
    check: () => ({ status: { code: 7 } }),
    onCheckError: () => ({ status: { code: 7 } }),
    maxReceiveMessageBytes: 8 * 1024 * 1024,
    process: {
      newSession: () =>
        createSession({ style: { kind: 'partial' }, customDetectors: [buildCustomDetector({ name: 'employee_id', pattern: 'EMP-\\d{6}' })], maxBodyBytes: 64 * 1024, maxEventBytes: 4096 }),
      onEnd: (report, failure) => reports.push({ report, failure }),
    },
  });
  const address = await server.bind('127.0.0.1:0');
  const Ctor = loadExtProcProto().envoy.service.ext_proc.v3.ExternalProcessor;
  client = new Ctor(address, grpc.credentials.createInsecure()) as unknown as typeof client;
});

afterAll(async () => {
  client.close();
  await server.shutdown(1000);
});

/** Plays Envoy: sends each message after the previous reply, then half-closes. */
function exchange(messages: ProcessingRequest[]): Promise<Exchange> {
  return new Promise((resolve) => {
    const result: Exchange = { replies: [], cleanClose: false };
    const stream = client.Process();
    let next = 0;
    const sendNext = (): void => {
      const m = messages[next];
      next += 1;
      if (m === undefined) stream.end();
      else stream.write(m);
    };
    stream.on('data', (r: ProcessingResponse__Output) => {
      result.replies.push(r);
      sendNext();
    });
    stream.on('error', (err: grpc.ServiceError) => {
      result.error = err;
      resolve(result);
    });
    stream.on('status', (s: grpc.StatusObject) => {
      if (s.code === grpc.status.OK) {
        result.cleanClose = true;
        resolve(result);
      }
    });
    sendNext();
  });
}

const contentLength = (r: ProcessingResponse__Output | undefined, dir: 'request_body' | 'response_body'): { value: string; raw: string } | undefined => {
  const h = r?.[dir]?.response?.header_mutation?.set_headers.find((x) => x.header?.key === 'content-length')?.header;
  return h === undefined || h === null ? undefined : { value: h.value, raw: Buffer.from(h.raw_value).toString() };
};

describe('ext_proc Process over gRPC', () => {
  it('buffers and masks the response only when the decision asks for it, with a matching content-length in raw_value', async () => {
    const ob = { mask: ['pan', 'email'], mask_fields: ['$.cvv'] };
    const body = JSON.stringify({ name: 'Ana', card: '4111 1111 1111 1111', pan: 5555555555554444, email: 'ana@example.com', cvv: '123', emp: 'EMP-123456' });
    const ex = await exchange([
      { request_headers: headers({ ':method': 'GET', ':path': '/fn/customer' }, true), metadata_context: metadata(ob) },
      { response_headers: headers({ ':status': '200', 'content-type': 'application/json', 'content-length': String(body.length) }), metadata_context: metadata(ob) },
      { response_body: { body: Buffer.from(body), end_of_stream: true }, metadata_context: metadata(ob) },
    ]);
    expect(ex.error).toBeUndefined();
    const [first, , last] = ex.replies;
    expect(first?.mode_override).toMatchObject({ request_body_mode: 'NONE', response_body_mode: 'BUFFERED' });
    expect(first?.request_headers?.response?.header_mutation?.set_headers[0]?.header?.key).toBe('accept-encoding');
    const out = Buffer.from(last?.response_body?.response?.body_mutation?.body ?? Buffer.alloc(0));
    expect(JSON.parse(out.toString())).toEqual({ name: 'Ana', card: '**** **** **** 1111', pan: '************4444', email: '[REDACTED:email]', cvv: '[REDACTED:field]', emp: '[REDACTED:employee_id]' });
    expect(contentLength(last, 'response_body')).toEqual({ value: '', raw: String(out.length) });
    expect(reports.at(-1)).toEqual({ report: { decisionId: 'dec-1', counts: { pan: 2, email: 1, field: 1, employee_id: 1 }, bytes: body.length }, failure: undefined });
  });

  it('no obligations: both body modes are set to NONE explicitly (override body modes are literal)', async () => {
    const ex = await exchange([{ request_headers: headers({ ':method': 'POST' }), metadata_context: metadata({}) }]);
    expect(ex.replies[0]?.mode_override).toMatchObject({ request_body_mode: 'NONE', response_body_mode: 'NONE' });
  });

  it('@redact_args removes the argument from an MCP tools/call body and fixes content-length', async () => {
    const ob = { redact_args: ['card'] };
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'pay', arguments: { amount: 5, card: '4111111111111111' } } });
    const ex = await exchange([
      { request_headers: headers({ ':method': 'POST', 'content-type': 'application/json' }), metadata_context: metadata(ob) },
      { request_body: { body: Buffer.from(body), end_of_stream: true }, metadata_context: metadata(ob) },
    ]);
    expect(ex.replies[0]?.mode_override).toMatchObject({ request_body_mode: 'BUFFERED', response_body_mode: 'NONE' });
    const out = Buffer.from(ex.replies[1]?.request_body?.response?.body_mutation?.body ?? Buffer.alloc(0)).toString();
    expect(JSON.parse(out)).toEqual({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'pay', arguments: { amount: 5 } } });
    expect(contentLength(ex.replies[1], 'request_body')?.raw).toBe(String(Buffer.byteLength(out)));
  });

  it('gzip bodies are decoded, masked and re-encoded', async () => {
    const ob = { mask: ['pan'] };
    const ex = await exchange([
      { request_headers: headers({ ':method': 'GET' }, true), metadata_context: metadata(ob) },
      { response_headers: headers({ ':status': '200', 'content-type': 'application/json', 'content-encoding': 'gzip' }), metadata_context: metadata(ob) },
      { response_body: { body: gzipSync(Buffer.from('{"c":"4111111111111111"}')), end_of_stream: true }, metadata_context: metadata(ob) },
    ]);
    const out = Buffer.from(ex.replies[2]?.response_body?.response?.body_mutation?.body ?? Buffer.alloc(0));
    expect(gunzipSync(out).toString()).toBe('{"c":"************1111"}');
    expect(contentLength(ex.replies[2], 'response_body')?.raw).toBe(String(out.length));
  });

  it('SSE bodies are masked event by event, framing kept', async () => {
    const ob = { mask: ['pan'] };
    const sse = 'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"card 4111111111111111"}]}}\n\n';
    const ex = await exchange([
      { request_headers: headers({ ':method': 'POST' }, true), metadata_context: metadata(ob) },
      { response_headers: headers({ ':status': '200', 'content-type': 'text/event-stream' }), metadata_context: metadata(ob) },
      { response_body: { body: Buffer.from(sse), end_of_stream: true }, metadata_context: metadata(ob) },
    ]);
    const out = Buffer.from(ex.replies[2]?.response_body?.response?.body_mutation?.body ?? Buffer.alloc(0)).toString();
    expect(out).toBe(sse.replace('4111111111111111', '************1111'));
  });

  it.each([
    ['no forwarded decision', undefined, grpc.status.FAILED_PRECONDITION],
  ])('fails with a gRPC error, never a clean close: %s', async (_name, ob, code) => {
    const ex = await exchange([{ request_headers: headers({ ':method': 'GET' }, true), metadata_context: metadata(ob) }]);
    expect(ex.cleanClose).toBe(false);
    expect(ex.error?.code).toBe(code);
    expect(ex.error?.details).toMatch(/^ERR_MASK_NO_DECISION/);
  });

  it('a body over the masking limit fails closed with RESOURCE_EXHAUSTED; an unknown encoding with INVALID_ARGUMENT', async () => {
    const ob = { mask: ['pan'] };
    const big = await exchange([
      { request_headers: headers({ ':method': 'GET' }, true), metadata_context: metadata(ob) },
      { response_headers: headers({ ':status': '200' }), metadata_context: metadata(ob) },
      { response_body: { body: Buffer.alloc(65 * 1024, 'a'), end_of_stream: true }, metadata_context: metadata(ob) },
    ]);
    expect(big.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    const zstd = await exchange([
      { request_headers: headers({ ':method': 'GET' }, true), metadata_context: metadata(ob) },
      { response_headers: headers({ ':status': '200', 'content-encoding': 'zstd' }), metadata_context: metadata(ob) },
      { response_body: { body: Buffer.from('x'), end_of_stream: true }, metadata_context: metadata(ob) },
    ]);
    expect(zstd.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(reports.at(-1)?.failure).toBe('ERR_MASK_ENCODING');
  });
});
