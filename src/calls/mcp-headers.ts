/**
 * MCP request-metadata headers (2026-07-28 Streamable HTTP, "Request Metadata"): `Mcp-Method`, `Mcp-Name`,
 * `Mcp-Param-{Name}` and `MCP-Protocol-Version` must agree with the body. Required on 2026-07-28; on older
 * versions they are optional, but when present they are checked the same way (an intermediary may route
 * on them). Every failure is ERR_CALL_MCP_HEADER_MISMATCH (JSON-RPC -32020).
 */
import { foldKey } from './strict-json';
import type { JsonRpcMessage } from './jsonrpc-message';
import { isJsonObject } from './strict-json';
import { requiresMetadataHeaders, type McpVersion } from './mcp-versions';
import { MCP_HEADER_MISMATCH, rejectCall, type Rejection } from './rejection';
import type { JsonObject, JsonValue } from './types';

const PARAM_PREFIX = 'mcp-param-';
const META_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';
/** Methods whose `Mcp-Name` mirrors a body field, and whether the header is required (2026-07-28). */
const NAME_SOURCES: ReadonlyMap<string, { readonly field: 'name' | 'uri'; readonly required: boolean }> = new Map([
  ['tools/call', { field: 'name', required: true }],
  ['prompts/get', { field: 'name', required: true }],
  ['resources/read', { field: 'uri', required: true }],
  ['resources/subscribe', { field: 'uri', required: false }],
  ['resources/unsubscribe', { field: 'uri', required: false }],
]);

const HEADER_SAFE = /^[\x20-\x7E\t]*$/;
const SENTINEL = /^=\?base64\?(.*)\?=$/s;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function mismatch(message: string, id: string | number | null | undefined): Rejection {
  return rejectCall('ERR_CALL_MCP_HEADER_MISMATCH', message, {
    protocol: 'mcp',
    jsonRpcCode: MCP_HEADER_MISMATCH,
    ...(id === undefined ? {} : { jsonRpcId: id }),
  });
}

/** A header value as the client meant it: plain visible ASCII, or the `=?base64?…?=` sentinel decoded. */
export function decodeHeaderValue(value: string): string | undefined {
  if (!HEADER_SAFE.test(value)) return undefined;
  const payload = SENTINEL.exec(value)?.[1];
  if (payload === undefined) return value;
  if (!BASE64.test(payload)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.from(payload, 'base64'));
  } catch {
    return undefined;
  }
}

/** Does a decoded `Mcp-Param-*` value equal the argument (string as-is, integer numerically, boolean)? */
function paramMatches(header: string, value: JsonValue): boolean {
  if (typeof value === 'string') return header === value;
  if (typeof value === 'boolean') return header === String(value);
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && /^-?\d+(?:\.0+)?$/.test(header) && Number(header) === value;
  }
  return false;
}

function checkParamHeaders(headers: ReadonlyMap<string, string>, message: Exclude<JsonRpcMessage, { kind: 'response' }>): string | undefined {
  const params = [...headers.keys()].filter((k) => k.startsWith(PARAM_PREFIX));
  if (params.length === 0) return undefined;
  if (message.method !== 'tools/call') return 'Mcp-Param headers are only defined for tools/call';
  const args = message.params?.arguments;
  const argObject: JsonObject = isJsonObject(args) ? args : {};
  for (const header of params) {
    const name = header.slice(PARAM_PREFIX.length);
    const key = Object.keys(argObject).find((k) => foldKey(k) === foldKey(name));
    const decoded = decodeHeaderValue(headers.get(header) ?? '');
    if (decoded === undefined) return `${header} has an invalid value`;
    // callgate does not know the tool's inputSchema: a header must mirror the top-level argument of the same name.
    if (key === undefined) return `${header} does not name an argument of the call`;
    const value = argObject[key];
    if (value === undefined || value === null) return `${header} is present but the argument is null`;
    if (!paramMatches(decoded, value)) return `${header} does not match the argument`;
  }
  return undefined;
}

function checkMethodAndName(headers: ReadonlyMap<string, string>, message: Exclude<JsonRpcMessage, { kind: 'response' }>, required: boolean): string | undefined {
  const methodHeader = headers.get('mcp-method');
  if (methodHeader === undefined) {
    if (required && message.kind === 'request') return 'Mcp-Method header is missing';
  } else if (!HEADER_SAFE.test(methodHeader) || methodHeader !== message.method) {
    return 'Mcp-Method header does not match the body';
  }
  const source = NAME_SOURCES.get(message.method);
  if (source === undefined) return undefined;
  const nameHeader = headers.get('mcp-name');
  if (nameHeader === undefined) return required && source.required ? 'Mcp-Name header is missing' : undefined;
  const bodyValue = message.params?.[source.field];
  const decoded = decodeHeaderValue(nameHeader);
  if (decoded === undefined) return 'Mcp-Name header has an invalid value';
  if (typeof bodyValue !== 'string' || decoded !== bodyValue) return 'Mcp-Name header does not match the body';
  return undefined;
}

/** `MCP-Protocol-Version` must equal `params._meta["io.modelcontextprotocol/protocolVersion"]` when the body has it. */
function checkVersionMeta(headers: ReadonlyMap<string, string>, params: JsonObject | undefined): string | undefined {
  const meta = params?._meta;
  if (!isJsonObject(meta) || !Object.prototype.hasOwnProperty.call(meta, META_VERSION_KEY)) return undefined;
  const header = headers.get('mcp-protocol-version');
  if (header === undefined) return 'MCP-Protocol-Version header is missing';
  return meta[META_VERSION_KEY] === header.trim() ? undefined : 'MCP-Protocol-Version header does not match the body';
}

export function checkMcpHeaders(headers: ReadonlyMap<string, string>, message: JsonRpcMessage, version: McpVersion): Rejection | undefined {
  if (message.kind === 'response') {
    const stray = headers.has('mcp-method') || [...headers.keys()].some((k) => k.startsWith(PARAM_PREFIX));
    return stray ? mismatch('a JSON-RPC response carries request-metadata headers', message.id) : undefined;
  }
  const id = message.kind === 'request' ? message.id : undefined;
  const problem =
    checkVersionMeta(headers, message.params) ??
    checkMethodAndName(headers, message, requiresMetadataHeaders(version)) ??
    checkParamHeaders(headers, message);
  return problem === undefined ? undefined : mismatch(problem, id);
}
