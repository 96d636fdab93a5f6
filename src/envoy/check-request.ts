/**
 * Envoy CheckRequest → what the pipeline needs: the HTTP request view, the identity Envoy verified, and
 * request facts for `context.request`. Headers are taken exactly as Envoy delivers them (b.1): lower-case
 * keys, pseudo-headers included, duplicates comma-joined; with `encode_raw_headers` Envoy sends `header_map`
 * instead, which is merged the same way here so both modes give one view.
 */
import type { CheckRequest__Output } from '../generated/envoy/service/auth/v3/CheckRequest';
import type { HttpRequestView, JsonObject } from '../calls/types';
import type { EnvoyIdentity } from '../identity/resolve-caller';
import type { ErrorCode } from '../errors';
import { structToJson } from './struct';

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

function headersOf(http: NonNullable<NonNullable<CheckRequest__Output['attributes']>['request']>['http']): Map<string, string> {
  const headers = new Map<string, string>();
  const raw = http?.header_map?.headers ?? [];
  if (raw.length > 0) {
    for (const h of raw) {
      const key = h.key.toLowerCase();
      const value = h.raw_value.length > 0 ? h.raw_value.toString('utf8') : h.value;
      const prev = headers.get(key);
      headers.set(key, prev === undefined ? value : `${prev},${value}`);
    }
    return headers;
  }
  for (const [k, v] of Object.entries(http?.headers ?? {})) headers.set(k.toLowerCase(), v);
  return headers;
}

function metadataOf(request: CheckRequest__Output): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  const filterMetadata = request.attributes?.metadata_context?.filter_metadata ?? {};
  for (const [ns, struct] of Object.entries(filterMetadata)) out[ns] = structToJson(struct);
  return out;
}

export function mapCheckRequest(request: CheckRequest__Output): MappedCheckRequest {
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

  let body: Buffer | undefined;
  if (http.raw_body.length > 0) body = http.raw_body;
  else if (http.body.length > 0) {
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
