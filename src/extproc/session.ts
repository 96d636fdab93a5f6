/**
 * One ext_proc stream = one HTTP exchange (envoy-semantics b.6). A pure state machine: each
 * ProcessingRequest gives either the matching ProcessingResponse or a failure, which the transport turns into
 * a gRPC error (Envoy then answers `status_on_error`). It never asks for a clean close: Envoy treats that as
 * "continue unmasked".
 *
 * - request_headers: read the forwarded ext_authz decision; answer with `mode_override` that buffers the
 *   request body only for @redact_args and the response body only for @mask/@mask_fields (body modes in an
 *   override are literal, so both are always set); ask the upstream for an identity encoding when masking.
 * - request_body (BUFFERED): remove @redact_args fields, fix content-length in the same header_mutation.
 * - response_headers: remember content-type and content-encoding.
 * - response_body (BUFFERED): decode, mask, re-encode, fix content-length; over the limit → failure.
 * - response_body (STREAMED event stream): masked event by event; a gzip/deflate/br stream is decoded and
 *   re-encoded as it flows (stream-codec.ts: the only asynchronous step).
 * - tools/list (forwarded `visible_tools`): other tools removed from `result.tools` (JSON body or each SSE
 *   event), `cache-control: private, no-store` on the response; an unreadable list fails closed.
 * Header values are sent in `raw_value` only.
 */
import type { HeaderValueOption } from '../generated/envoy/config/core/v3/HeaderValueOption';
import type { HttpHeaders__Output } from '../generated/envoy/service/ext_proc/v3/HttpHeaders';
import type { ProcessingRequest__Output } from '../generated/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse';
import type { CommonResponse } from '../generated/envoy/service/ext_proc/v3/CommonResponse';
import type { ErrorCode } from '../errors';
import { selectDetectors } from '../masking/detectors';
import type { Detector, MaskCounts, MaskPlan, MaskStyle } from '../masking/types';
import { codecFor } from './body-codec';
import { readForwardedDecision, type ForwardedDecision } from './decision-metadata';
import { isEventStream, maskBodyText } from './mask-body';
import { createSseMasker, type SseMasker } from '../masking/sse-stream';
import { redactArguments } from './redact-args';
import { ToolListUnreadableError } from '../masking/apply-plan';
import { streamCodecFor, type StreamCodec } from './stream-codec';

export interface MaskingSettings {
  readonly style: MaskStyle;
  readonly customDetectors: readonly Detector[];
  /** Largest body (decoded) callgate masks; larger ones fail closed. */
  readonly maxBodyBytes: number;
  /** Largest single SSE event held back while streaming; larger ones fail closed. */
  readonly maxEventBytes: number;
}

/** The masking codes of errors.ts (Envoy turns each into status_on_error). */
export type FailureCode = Extract<ErrorCode, `ERR_MASK_${string}`>;

export type Step = { readonly kind: 'reply'; readonly response: ProcessingResponse } | { readonly kind: 'fail'; readonly code: FailureCode; readonly message: string };

/** What a finished (or failed) exchange reports for evidence and metrics. */
export interface SessionReport {
  readonly decisionId: string;
  readonly counts: MaskCounts;
  readonly bytes: number;
}

export interface Session {
  /** Asynchronous only for a content-encoded event stream (streaming zlib); answer messages in order. */
  handle(request: ProcessingRequest__Output): Step | Promise<Step>;
  report(): SessionReport;
}

function headerOf(headers: HttpHeaders__Output | null | undefined, name: string): string | undefined {
  const h = headers?.headers?.headers.find((x) => x.key === name);
  if (h === undefined) return undefined;
  return h.raw_value.length > 0 ? Buffer.from(h.raw_value).toString('latin1') : h.value;
}

function setHeader(key: string, value: string): HeaderValueOption {
  return { header: { key, raw_value: Buffer.from(value, 'latin1') }, append: { value: false } };
}

function continueWith(body: Buffer | undefined, headers: HeaderValueOption[]): CommonResponse {
  return {
    status: 'CONTINUE',
    header_mutation: headers.length > 0 ? { set_headers: headers } : null,
    body_mutation: body === undefined ? null : { body },
  };
}

type Failure = Extract<Step, { kind: 'fail' }>;

const fail = (code: FailureCode, message: string): Failure => ({ kind: 'fail', code, message });

export function createSession(settings: MaskingSettings): Session {
  let decision: ForwardedDecision | undefined;
  let plan: MaskPlan | undefined;
  let contentType: string | undefined;
  let contentEncoding: string | undefined;
  let sse: SseMasker | undefined;
  let streamCodec: StreamCodec | undefined;
  const counts: MaskCounts = {};
  let bytes = 0;

  function onRequestHeaders(req: ProcessingRequest__Output): Step {
    const found = readForwardedDecision(req.metadata_context);
    if (found.kind === 'missing') return fail('ERR_MASK_NO_DECISION', found.why);
    decision = found.decision;
    const selection = selectDetectors(decision.mask, settings.customDetectors);
    if (selection.kind === 'unknown') return fail('ERR_MASK_NO_DECISION', `unknown detector ${selection.name}`);
    const masks = selection.detectors.length > 0 || decision.maskFields.length > 0 || decision.visibleTools !== undefined;
    const tools = decision.visibleTools === undefined ? {} : { visibleTools: new Set(decision.visibleTools) };
    plan = masks ? { detectors: selection.detectors, fields: decision.maskFields, style: settings.style, ...tools } : undefined;
    const redacts = decision.redactArgs.length > 0 && req.request_headers?.end_of_stream !== true;
    return {
      kind: 'reply',
      response: {
        request_headers: { response: continueWith(undefined, masks ? [setHeader('accept-encoding', 'identity')] : []) },
        mode_override: {
          request_header_mode: 'DEFAULT',
          response_header_mode: 'SEND',
          request_body_mode: redacts ? 'BUFFERED' : 'NONE',
          response_body_mode: masks ? 'BUFFERED' : 'NONE',
          request_trailer_mode: 'DEFAULT',
          response_trailer_mode: 'DEFAULT',
        },
      },
    };
  }

  function onRequestBody(req: ProcessingRequest__Output): Step {
    const body = Buffer.from(req.request_body?.body ?? Buffer.alloc(0));
    if (decision === undefined) return fail('ERR_MASK_UNEXPECTED_MESSAGE', 'request body before request headers');
    if (body.length > settings.maxBodyBytes) return fail('ERR_MASK_BODY_TOO_LARGE', 'request body over the masking limit');
    const result = redactArguments(body.toString('utf8'), decision.redactArgs);
    if (result.kind === 'invalid') return fail('ERR_MASK_INVALID_BODY', 'request body is not a JSON object');
    if (result.removed > 0) counts.redacted_arg = (counts.redacted_arg ?? 0) + result.removed;
    const out = Buffer.from(result.text, 'utf8');
    return { kind: 'reply', response: { request_body: { response: continueWith(out, [setHeader('content-length', String(out.length))]) } } };
  }

  function onResponseHeaders(req: ProcessingRequest__Output): Step {
    if (decision === undefined) return fail('ERR_MASK_UNEXPECTED_MESSAGE', 'response headers before request headers');
    contentType = headerOf(req.response_headers, 'content-type');
    contentEncoding = headerOf(req.response_headers, 'content-encoding');
    // A filtered tool list is this caller's alone: no shared cache may keep or serve it.
    const privacy = decision.visibleTools === undefined ? [] : [setHeader('cache-control', 'private, no-store')];
    const response: ProcessingResponse = { response_headers: { response: continueWith(undefined, privacy) } };
    if (plan === undefined || !isEventStream(contentType)) return { kind: 'reply', response };
    // An event stream is masked event by event as it flows (STREAMED: Envoy drops content-length).
    const encoding = (contentEncoding ?? '').trim().toLowerCase();
    if (encoding !== '' && encoding !== 'identity') {
      // Decoded and re-encoded as it flows (stream-codec.ts); an encoding it cannot stream fails closed.
      streamCodec = streamCodecFor(encoding, settings.maxBodyBytes);
      if (streamCodec === undefined) return fail('ERR_MASK_ENCODING', `cannot decode content-encoding ${encoding}`);
    }
    sse = createSseMasker(plan, counts, settings.maxEventBytes);
    return {
      kind: 'reply',
      response: { ...response, mode_override: { response_header_mode: 'SEND', request_body_mode: 'NONE', response_body_mode: 'STREAMED', request_trailer_mode: 'DEFAULT', response_trailer_mode: 'DEFAULT' } },
    };
  }

  /** A chunk of an encoded event stream: decode (streaming), mask as below, re-encode (flushed). */
  async function onEncodedChunk(masker: SseMasker, codec: StreamCodec, req: ProcessingRequest__Output): Promise<Step> {
    const end = req.response_body?.end_of_stream === true;
    let decoded: Buffer;
    try {
      decoded = await codec.decode(Buffer.from(req.response_body?.body ?? Buffer.alloc(0)), end);
    } catch (err) {
      codec.close();
      if (err instanceof RangeError) return fail('ERR_MASK_BODY_TOO_LARGE', err.message);
      return fail('ERR_MASK_ENCODING', `the event stream does not decode: ${err instanceof Error ? err.message : 'error'}`);
    }
    const step = maskStreamedBytes(masker, decoded, end);
    if (step.kind === 'fail') return (codec.close(), step);
    const out = await codec.encode(step.bytes, end);
    return { kind: 'reply', response: { response_body: { response: { status: 'CONTINUE', body_mutation: out.length === 0 ? { clear_body: true } : { body: out } } } } };
  }

  function onStreamedChunk(masker: SseMasker, req: ProcessingRequest__Output): Step {
    const chunk = Buffer.from(req.response_body?.body ?? Buffer.alloc(0));
    const step = maskStreamedBytes(masker, chunk, req.response_body?.end_of_stream === true);
    if (step.kind === 'fail') return step;
    const out = step.bytes;
    const body_mutation = out.length === 0 ? { clear_body: true } : { body: out };
    return { kind: 'reply', response: { response_body: { response: { status: 'CONTINUE', body_mutation } } } };
  }

  function maskStreamedBytes(masker: SseMasker, chunk: Buffer, end: boolean): { readonly kind: 'bytes'; readonly bytes: Buffer } | Failure {
    bytes += chunk.length;
    const first = masker.push(chunk);
    if (first.kind === 'too-large') return fail('ERR_MASK_BODY_TOO_LARGE', 'an event exceeds the held-back limit');
    let out = first.bytes;
    if (end) {
      const last = masker.end();
      if (last.kind === 'too-large') return fail('ERR_MASK_BODY_TOO_LARGE', 'an event exceeds the held-back limit');
      out = Buffer.concat([out, last.bytes]);
    }
    return { kind: 'bytes', bytes: out };
  }

  function onResponseBody(req: ProcessingRequest__Output): Step | Promise<Step> {
    if (plan === undefined) return fail('ERR_MASK_UNEXPECTED_MESSAGE', 'response body without a masking plan');
    if (sse !== undefined) return streamCodec === undefined ? onStreamedChunk(sse, req) : onEncodedChunk(sse, streamCodec, req);
    const raw = Buffer.from(req.response_body?.body ?? Buffer.alloc(0));
    if (req.response_body?.end_of_stream !== true) return fail('ERR_MASK_UNEXPECTED_MESSAGE', 'response body is not buffered');
    const codec = codecFor(contentEncoding);
    if (codec.kind === 'unsupported') return fail('ERR_MASK_ENCODING', `cannot decode content-encoding ${codec.encoding}`);
    if (raw.length > settings.maxBodyBytes) return fail('ERR_MASK_BODY_TOO_LARGE', 'response body over the masking limit');
    const decoded = codec.decode(raw);
    if (decoded.length > settings.maxBodyBytes) return fail('ERR_MASK_BODY_TOO_LARGE', 'decoded response body over the masking limit');
    bytes += decoded.length;
    const masked = Buffer.from(maskBodyText(decoded.toString('utf8'), contentType, plan, counts), 'utf8');
    const out = codec.encode(masked);
    return { kind: 'reply', response: { response_body: { response: continueWith(out, [setHeader('content-length', String(out.length))]) } } };
  }

  function dispatch(req: ProcessingRequest__Output): Step | Promise<Step> {
    switch (req.request) {
      case 'request_headers':
        return onRequestHeaders(req);
      case 'request_body':
        return onRequestBody(req);
      case 'response_headers':
        return onResponseHeaders(req);
      case 'response_body':
        return onResponseBody(req);
      default:
        return fail('ERR_MASK_UNEXPECTED_MESSAGE', `unexpected message ${String(req.request)}`);
    }
  }

  const failureOf = (err: unknown): Step => {
    streamCodec?.close();
    if (err instanceof ToolListUnreadableError) return fail('ERR_MASK_INVALID_BODY', err.message);
    return fail('ERR_MASK_FAILED', err instanceof Error ? err.message : 'masking failed');
  };

  return {
    handle(req) {
      try {
        const step = dispatch(req);
        return step instanceof Promise ? step.catch(failureOf) : step;
      } catch (err) {
        return failureOf(err);
      }
    },
    report: () => ({ decisionId: decision?.decisionId ?? '', counts: { ...counts }, bytes }),
  };
}
