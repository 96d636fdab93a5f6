/**
 * The body checks every POSTed call goes through, in order: partial body, content-encoding, missing body,
 * content type, size, UTF-8, strict JSON (duplicate keys, depth).
 */
import { checkContentEncoding, checkContentType, checkPartialBody } from './request-checks';
import { decodeBody } from './decode-body';
import { parseStrictJson } from './strict-json';
import { rejectCall, type Rejection } from './rejection';
import type { HttpRequestView, JsonValue, ParseLimits } from './types';

export type JsonBody = { readonly kind: 'json'; readonly value: JsonValue } | Rejection;

export function readJsonBody(req: HttpRequestView, contentTypes: readonly string[], limits: ParseLimits): JsonBody {
  const headerProblem = checkPartialBody(req.headers) ?? checkContentEncoding(req.headers);
  if (headerProblem !== undefined) return headerProblem;
  if (req.body === undefined || req.body.length === 0) return rejectCall('ERR_CALL_MISSING_BODY', 'the call has no body');
  const typeProblem = checkContentType(req.headers, contentTypes);
  if (typeProblem !== undefined) return typeProblem;
  const decoded = decodeBody(req.body, limits.maxBodyBytes);
  if (decoded.kind === 'rejected') return decoded;
  const parsed = parseStrictJson(decoded.text, limits.maxDepth);
  if (parsed.kind === 'invalid') return rejectCall(parsed.code, parsed.message);
  return { kind: 'json', value: parsed.value };
}
