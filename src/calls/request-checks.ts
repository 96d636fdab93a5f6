/**
 * Header checks that close bypasses before the body is read: a body Envoy truncated, a content-encoded
 * body, and a content type the route does not accept.
 */
import { parse as parseContentType } from 'content-type';
import { rejectCall, type Rejection } from './rejection';

export const DEFAULT_CONTENT_TYPES: readonly string[] = Object.freeze(['application/json']);

/** `x-envoy-auth-partial-body`: Envoy sets "true" or "false"; anything but "false" is treated as partial. */
export function checkPartialBody(headers: ReadonlyMap<string, string>): Rejection | undefined {
  const value = headers.get('x-envoy-auth-partial-body');
  if (value === undefined || value.trim().toLowerCase() === 'false') return undefined;
  return rejectCall('ERR_CALL_PARTIAL_BODY', 'the proxy sent a truncated body (x-envoy-auth-partial-body)');
}

/** Every coding listed in `content-encoding` (comma-joined by Envoy) must be `identity`. */
export function checkContentEncoding(headers: ReadonlyMap<string, string>): Rejection | undefined {
  const value = headers.get('content-encoding');
  if (value === undefined) return undefined;
  const codings = value.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '');
  const other = codings.find((c) => c !== 'identity');
  if (other === undefined) return undefined;
  return rejectCall('ERR_CALL_CONTENT_ENCODING', 'content-encoding other than identity is not accepted');
}

/**
 * The media type (compared case-insensitively) must be one of `accepted`; a charset parameter, if present,
 * must be utf-8 and must appear once. A missing content type is refused.
 */
export function checkContentType(headers: ReadonlyMap<string, string>, accepted: readonly string[]): Rejection | undefined {
  const header = headers.get('content-type');
  if (header === undefined || header.trim() === '') return rejectCall('ERR_CALL_CONTENT_TYPE', 'content-type is missing');
  const parsed = parseContentType(header);
  const mediaType = parsed.type.toLowerCase();
  if (!accepted.some((t) => t.toLowerCase() === mediaType)) {
    return rejectCall('ERR_CALL_CONTENT_TYPE', 'content type is not accepted on this route');
  }
  // The parser keeps the first of repeated parameters; another parser may keep the last. Refuse repeats.
  if ((header.toLowerCase().match(/charset/g) ?? []).length > 1) {
    return rejectCall('ERR_CALL_CONTENT_TYPE', 'content type repeats the charset parameter');
  }
  const charset = parsed.parameters.charset;
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
    return rejectCall('ERR_CALL_CONTENT_TYPE', 'content type charset must be utf-8');
  }
  return undefined;
}

/** Route `content_types` from Envoy `context_extensions` (a comma list) or config; default application/json. */
export function contentTypesFrom(list: string | readonly string[] | undefined): readonly string[] {
  if (list === undefined) return DEFAULT_CONTENT_TYPES;
  const items = (typeof list === 'string' ? list.split(',') : [...list]).map((t) => t.trim()).filter((t) => t !== '');
  return items.length === 0 ? DEFAULT_CONTENT_TYPES : items;
}
