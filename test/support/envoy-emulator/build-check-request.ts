/**
 * Builds the CheckRequest Envoy's ext_authz filter sends over gRPC (envoy-semantics b.1, b.2), from a
 * downstream request the emulator has already read. Pure: the caller supplies ids, clock and sockets.
 */
import type { CheckRequest } from '../../../src/generated/envoy/service/auth/v3/CheckRequest';
import type { _envoy_service_auth_v3_AttributeContext_HttpRequest as HttpRequestAttributes } from '../../../src/generated/envoy/service/auth/v3/AttributeContext';
import type { Metadata } from '../../../src/generated/envoy/config/core/v3/Metadata';
import type { Struct } from '../../../src/generated/google/protobuf/Struct';
import { jsonToStruct } from '../../../src/envoy/struct';
import type { JsonObject } from '../../../src/calls/types';
import { mergeHeaders, type HeaderList } from './header-list';
import type { BodySettings } from './types';

export const PARTIAL_BODY_HEADER = 'x-envoy-auth-partial-body';

export interface SocketEnd {
  readonly address: string;
  readonly port: number;
}

export interface DownstreamRequest {
  /** Envoy's stream id, a decimal string. */
  readonly streamId: string;
  readonly startTime: Date;
  readonly method: string;
  /** Raw `:path` with the query. */
  readonly path: string;
  readonly authority: string;
  readonly scheme: string;
  readonly protocol: string;
  /** After the connection manager's handling; header values are the raw bytes as latin1 strings. */
  readonly headers: HeaderList;
  /** Whether the request has a body at all (headers did not end the stream). */
  readonly hasBody: boolean;
  /** The whole body as received. */
  readonly body: Buffer;
  readonly remote: SocketEnd;
  readonly local: SocketEnd;
}

/** What ext_authz does with the body before the check (b.2). */
export type BodyPlan =
  | { readonly kind: 'none' }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'send'; readonly bytes: Buffer; readonly partial: boolean };

export function planRequestBody(settings: BodySettings | null, request: DownstreamRequest): BodyPlan {
  if (settings === null || !request.hasBody) return { kind: 'none' };
  const { body } = request;
  if (body.length > settings.maxRequestBytes) {
    if (!settings.allowPartialMessage) return { kind: 'too-large' };
    return { kind: 'send', bytes: body.subarray(0, settings.maxRequestBytes), partial: true };
  }
  return { kind: 'send', bytes: body, partial: false };
}

/** Envoy's UTF-8 sanitizing: each byte that is not part of a valid sequence becomes "!". */
export function sanitizeUtf8(bytes: Buffer): string {
  const strict = new TextDecoder('utf-8', { fatal: true });
  try {
    return strict.decode(bytes);
  } catch {
    let out = '';
    let i = 0;
    while (i < bytes.length) {
      const lead = bytes[i] ?? 0;
      const len = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
      let decoded: string | undefined;
      if (len > 0 && i + len <= bytes.length) {
        try {
          decoded = strict.decode(bytes.subarray(i, i + len));
        } catch {
          decoded = undefined;
        }
      }
      if (decoded === undefined) {
        out += '!';
        i += 1;
      } else {
        out += decoded;
        i += len;
      }
    }
    return out;
  }
}

function latin1Bytes(value: string): Buffer {
  return Buffer.from(value, 'latin1');
}

function timestampOf(date: Date): { seconds: number; nanos: number } {
  const ms = date.getTime();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

export interface CheckInputs {
  readonly request: DownstreamRequest;
  readonly body: BodyPlan;
  readonly packAsBytes: boolean;
  readonly encodeRawHeaders: boolean;
  readonly contextExtensions: Record<string, string> | undefined;
  readonly metadataContext: Record<string, unknown> | undefined;
}

/** The header lines ext_authz sends: the request's, minus a client-sent partial flag, plus Envoy's own. */
export function checkHeaderLines(request: DownstreamRequest, body: BodyPlan): HeaderList {
  const lines: HeaderList = request.headers.filter(([name]) => name !== PARTIAL_BODY_HEADER).map(([n, v]) => [n, v]);
  if (body.kind === 'send') lines.push([PARTIAL_BODY_HEADER, body.partial ? 'true' : 'false']);
  return lines;
}

function metadataOf(namespaces: Record<string, unknown> | undefined): Metadata | null {
  if (namespaces === undefined) return null;
  const filterMetadata: Record<string, Struct> = {};
  for (const [ns, value] of Object.entries(namespaces)) filterMetadata[ns] = jsonToStruct(value as JsonObject);
  return { filter_metadata: filterMetadata };
}

export function buildCheckRequest(inputs: CheckInputs): CheckRequest {
  const { request, body } = inputs;
  const lines = checkHeaderLines(request, body);
  const http: HttpRequestAttributes = {
    id: request.streamId,
    method: request.method,
    path: sanitizeUtf8(latin1Bytes(request.path)),
    host: sanitizeUtf8(latin1Bytes(request.authority)),
    scheme: request.scheme,
    protocol: request.protocol,
    size: body.kind === 'send' ? body.bytes.length : 0,
  };
  if (inputs.encodeRawHeaders) {
    http.header_map = { headers: lines.map(([key, value]) => ({ key, raw_value: latin1Bytes(value) })) };
  } else {
    const merged = mergeHeaders(lines);
    http.headers = Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, sanitizeUtf8(latin1Bytes(v))]));
  }
  if (body.kind === 'send') {
    if (inputs.packAsBytes) http.raw_body = body.bytes;
    else http.body = sanitizeUtf8(body.bytes);
  }
  const address = (end: SocketEnd) => ({ socket_address: { address: end.address, port_value: end.port } });
  return {
    attributes: {
      source: { address: address(request.remote) },
      destination: { address: address(request.local) },
      request: { time: timestampOf(request.startTime), http },
      context_extensions: { ...(inputs.contextExtensions ?? {}) },
      metadata_context: metadataOf(inputs.metadataContext),
    },
  };
}
