/**
 * Envoy CheckRequest → what the pipeline needs: the HTTP request view, the identity Envoy verified, and
 * request facts for `context.request`. Headers are taken exactly as Envoy delivers them (b.1): lower-case
 * keys, pseudo-headers included, duplicates comma-joined; with `encode_raw_headers` Envoy sends `header_map`
 * instead, which is merged the same way here so both modes give one view.
 */
import type { HttpRequestView, JsonObject } from '../calls/types';
import type { EnvoyIdentity } from '../identity/resolve-caller';
import type { ErrorCode } from '../errors';
import { structToJson, type StructView } from './struct';

/** A `bytes` field: a Buffer once set; a decoded message leaves an unset one at protobufjs' default, an empty array. */
export type BytesView = Uint8Array | ArrayLike<number>;

/**
 * The part of a CheckRequest callgate reads. Both proto-loader's output (`CheckRequest__Output`) and a
 * message decoded by protobufjs (`Type.decode`, defaults on the prototype, no `toObject`) satisfy it, so
 * the server decodes once and converts nothing it does not read (design §9).
 */
export interface CheckRequestView {
  readonly attributes?: {
    readonly source?: { readonly address?: { readonly socket_address?: { readonly address?: string } | null } | null; readonly principal?: string } | null;
    readonly request?: { readonly http?: HttpView | null } | null;
    readonly context_extensions?: Readonly<Record<string, string>>;
    readonly metadata_context?: { readonly filter_metadata?: Readonly<Record<string, StructView>> } | null;
  } | null;
}

export interface HttpView {
  readonly id?: string;
  readonly method?: string;
  readonly path?: string;
  readonly host?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly header_map?: { readonly headers?: readonly { readonly key: string; readonly value?: string; readonly raw_value?: BytesView }[] } | null;
  readonly body?: string;
  readonly raw_body?: BytesView;
}

function bufferOf(bytes: BytesView | undefined): Buffer | undefined {
  if (bytes === undefined || bytes.length === 0) return undefined;
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes as ArrayLike<number>);
}

export interface RequestFacts {
  /** x-request-id when present (what operators correlate on), else Envoy's stream id. */
  readonly requestId: string;
  /** Envoy's stream id (`request.http.id`). */
  readonly streamId: string;
  /** Downstream remote address (the connection peer, not X-Forwarded-For); "" when not a socket. */
  readonly sourceIp: string;
}

export type MappedCheckRequest =
  | { readonly kind: 'mapped'; readonly view: HttpRequestView; readonly identity: EnvoyIdentity; readonly facts: RequestFacts }
  | { readonly kind: 'rejected'; readonly code: ErrorCode; readonly message: string; readonly facts: RequestFacts };

function headersOf(http: HttpView | null): Map<string, string> {
  const headers = new Map<string, string>();
  const raw = http?.header_map?.headers ?? [];
  if (raw.length > 0) {
    for (const h of raw) {
      const key = h.key.toLowerCase();
      const raw = bufferOf(h.raw_value);
      const value = raw !== undefined ? raw.toString('utf8') : h.value ?? '';
      const prev = headers.get(key);
      headers.set(key, prev === undefined ? value : `${prev},${value}`);
    }
    return headers;
  }
  for (const [k, v] of Object.entries(http?.headers ?? {})) headers.set(k.toLowerCase(), v);
  return headers;
}

function metadataOf(request: CheckRequestView): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  const filterMetadata = request.attributes?.metadata_context?.filter_metadata ?? {};
  for (const [ns, struct] of Object.entries(filterMetadata)) out[ns] = structToJson(struct);
  return out;
}

export function mapCheckRequest(request: CheckRequestView): MappedCheckRequest {
  const attrs = request.attributes;
  const http = attrs?.request?.http ?? null;
  const headers = headersOf(http);
  const streamId = http?.id ?? '';
  const socket = attrs?.source?.address?.socket_address;
  const facts: RequestFacts = {
    requestId: headers.get('x-request-id') ?? streamId,
    streamId,
    sourceIp: socket?.address ?? '',
  };
  if (http === null) return { kind: 'rejected', code: 'ERR_SERVICE_MISCONFIGURED', message: 'CheckRequest carries no HTTP request', facts };

  const body = bufferOf(http.raw_body);
  if (body === undefined && (http.body ?? '').length > 0) {
    return { kind: 'rejected', code: 'ERR_SERVICE_MISCONFIGURED', message: 'body was sent UTF-8-sanitized; set with_request_body.pack_as_bytes: true', facts };
  }
  const declaredLength = headers.get('content-length');
  if (declaredLength !== undefined && headers.get('x-envoy-auth-partial-body') !== 'true') {
    const n = Number(declaredLength);
    if (!Number.isSafeInteger(n) || n !== (body?.length ?? 0)) {
      return { kind: 'rejected', code: 'ERR_CALL_PARTIAL_BODY', message: 'body received does not match content-length (is with_request_body set?)', facts };
    }
  }
  const view: HttpRequestView = {
    method: (http.method || headers.get(':method') || '').toUpperCase(),
    path: http.path || headers.get(':path') || '',
    host: http.host || headers.get(':authority') || '',
    headers,
    body,
    contextExtensions: { ...(attrs?.context_extensions ?? {}) },
  };
  return { kind: 'mapped', view, identity: { metadata: metadataOf(request), peerPrincipal: attrs?.source?.principal ?? '' }, facts };
}
