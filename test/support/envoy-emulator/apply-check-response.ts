/**
 * How Envoy's ext_authz filter turns a CheckResponse into what happens to the request (b.3, b.4):
 * classification (OK / Denied), upstream request-header and query mutations, response headers to add,
 * and the headers of a denied local reply. Pure functions over local values.
 */
import type { CheckResponse__Output } from '../../../src/generated/envoy/service/auth/v3/CheckResponse';
import type { OkHttpResponse__Output } from '../../../src/generated/envoy/service/auth/v3/OkHttpResponse';
import type { HeaderValueOption__Output } from '../../../src/generated/envoy/config/core/v3/HeaderValueOption';
import { structToJson } from '../../../src/envoy/struct';
import { addHeader, appendHeader, hasHeader, removeHeader, setHeader, type HeaderList } from './header-list';
import { httpStatusNumber } from './http-status';

export type AppendSemantics = 'v1.36' | 'main';

export type CheckVerdict =
  | { readonly kind: 'ok'; readonly ok: OkHttpResponse__Output | null; readonly metadata: Record<string, unknown> | undefined }
  | {
      readonly kind: 'denied';
      readonly status: number;
      readonly headers: readonly HeaderValueOption__Output[];
      readonly body: string;
      readonly metadata: Record<string, unknown> | undefined;
    };

function nonEmptyMetadata(struct: CheckResponse__Output['dynamic_metadata']): Record<string, unknown> | undefined {
  if (struct === null || Object.keys(struct.fields ?? {}).length === 0) return undefined;
  return structToJson(struct);
}

export function classifyCheckResponse(response: CheckResponse__Output): CheckVerdict {
  const code = response.status?.code ?? 0;
  if (code === 0) {
    const ok = response.ok_response ?? null;
    // The deprecated ok_response.dynamic_metadata overrides the top-level field when set.
    const metadata = nonEmptyMetadata(ok?.dynamic_metadata ?? null) ?? nonEmptyMetadata(response.dynamic_metadata);
    return { kind: 'ok', ok, metadata };
  }
  const denied = response.denied_response ?? null;
  const status = httpStatusNumber(denied?.status?.code);
  return {
    kind: 'denied',
    status: status > 0 ? status : 403,
    headers: denied?.headers ?? [],
    body: denied?.body ?? '',
    metadata: nonEmptyMetadata(response.dynamic_metadata),
  };
}

function headerOf(option: HeaderValueOption__Output): { key: string; value: string } | undefined {
  const header = option.header;
  if (header === null || header.key === '') return undefined;
  const value = header.value !== '' ? header.value : Buffer.from(header.raw_value ?? []).toString('latin1');
  return { key: header.key.toLowerCase(), value };
}

/** One OkHttpResponse.headers entry on the upstream request, per Envoy version (b.4). */
export function applyRequestHeaderOption(list: HeaderList, option: HeaderValueOption__Output, semantics: AppendSemantics): void {
  const header = headerOf(option);
  if (header === undefined) return;
  const { key, value } = header;
  if (option.append !== null || semantics === 'v1.36') {
    if (option.append?.value === true) appendHeader(list, key, value);
    else setHeader(list, key, value);
    return;
  }
  applyAppendAction(list, key, value, option.append_action);
}

function applyAppendAction(list: HeaderList, key: string, value: string, action: HeaderValueOption__Output['append_action']): void {
  switch (action) {
    case 'ADD_IF_ABSENT':
      if (!hasHeader(list, key)) addHeader(list, key, value);
      return;
    case 'OVERWRITE_IF_EXISTS_OR_ADD':
      setHeader(list, key, value);
      return;
    case 'OVERWRITE_IF_EXISTS':
      if (hasHeader(list, key)) setHeader(list, key, value);
      return;
    default:
      addHeader(list, key, value);
  }
}

/** OkHttpResponse.response_headers_to_add on the downstream response: `append` if set, else `append_action`. */
export function applyResponseHeaderOption(list: HeaderList, option: HeaderValueOption__Output): void {
  const header = headerOf(option);
  if (header === undefined) return;
  if (option.append !== null) {
    if (option.append.value) addHeader(list, header.key, header.value);
    else setHeader(list, header.key, header.value);
    return;
  }
  applyAppendAction(list, header.key, header.value, option.append_action);
}

/** `headers_to_remove`: pseudo-headers and `host` are never removed. */
export function removeRequestHeaders(list: HeaderList, names: readonly string[]): void {
  for (const name of names) {
    const key = name.toLowerCase();
    if (key === '' || key.startsWith(':') || key === 'host') continue;
    removeHeader(list, key);
  }
}

/** Query parameter set/remove and the rebuilt `:path` (Envoy's QueryParamsMulti: keys sorted). */
export function mutateQuery(path: string, toSet: ReadonlyArray<{ key: string; value: string }>, toRemove: readonly string[]): string {
  if (toSet.length === 0 && toRemove.length === 0) return path;
  const q = path.indexOf('?');
  const base = q < 0 ? path : path.slice(0, q);
  const params = new Map<string, string[]>();
  const query = q < 0 ? '' : path.slice(q + 1);
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    params.set(key, [...(params.get(key) ?? []), value]);
  }
  for (const { key, value } of toSet) params.set(key, [value]);
  for (const key of toRemove) params.delete(key);
  const keys = [...params.keys()].sort();
  const rebuilt = keys.flatMap((k) => (params.get(k) ?? []).map((v) => `${k}=${v}`)).join('&');
  return rebuilt === '' ? base : `${base}?${rebuilt}`;
}

/** All upstream-request mutations of an OK response, in Envoy's order; returns the new `:path`. */
export function applyOkResponse(list: HeaderList, path: string, ok: OkHttpResponse__Output | null, semantics: AppendSemantics): string {
  if (ok === null) return path;
  for (const option of ok.headers ?? []) applyRequestHeaderOption(list, option, semantics);
  removeRequestHeaders(list, ok.headers_to_remove ?? []);
  const toSet = (ok.query_parameters_to_set ?? []).map((p) => ({ key: p.key, value: p.value }));
  return mutateQuery(path, toSet, ok.query_parameters_to_remove ?? []);
}

/** Headers of a denied local reply: each key removed first, then every entry added (so repeats survive). */
export function applyDeniedHeaders(list: HeaderList, options: readonly HeaderValueOption__Output[]): void {
  const headers = options.map(headerOf).filter((h): h is { key: string; value: string } => h !== undefined);
  for (const { key } of headers) removeHeader(list, key);
  for (const { key, value } of headers) addHeader(list, key, value);
}
