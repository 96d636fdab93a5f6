/**
 * MCP Streamable HTTP: POST carries one JSON-RPC message (or, on 2025-03-26 only, a batch); GET opens the
 * server stream (`mcp:stream/listen`); DELETE ends a session (`mcp:session/delete`). GET and DELETE do not
 * exist on 2026-07-28. Every rejection is marked MCP, with a JSON-RPC code and the id when it was read.
 */
import { classifyMessage, readJsonRpcId, type JsonRpcMessage } from './jsonrpc-message';
import { callFromMessage } from './mcp-call';
import { checkMcpHeaders } from './mcp-headers';
import { allowsBatches, isStateless, MCP_DEFAULT_VERSION, toMcpVersion, type McpVersion } from './mcp-versions';
import { readJsonBody } from './read-json-body';
import { asMcpRejection, rejectCall, type Rejection } from './rejection';
import type { ResolvedRoute } from './resolve-route';
import { isJsonObject } from './strict-json';
import type { Call, HttpRequestView, JsonValue, ParseLimits, ParseResult } from './types';

type VersionResult = { readonly kind: 'version'; readonly version: McpVersion } | Rejection;

function unsupported(value: string): Rejection {
  return rejectCall('ERR_CALL_MCP_VERSION', `MCP protocol version "${value.slice(0, 40)}" is not supported`);
}

/** From `mcp-protocol-version`; absent → 2025-03-26, or for `initialize` its `params.protocolVersion`. */
function resolveVersion(headers: ReadonlyMap<string, string>, initialize: JsonValue | undefined): VersionResult {
  const header = headers.get('mcp-protocol-version')?.trim();
  if (header !== undefined && toMcpVersion(header) === undefined) return unsupported(header);
  let requested: McpVersion | undefined;
  if (initialize !== undefined) {
    if (typeof initialize !== 'string') return rejectCall('ERR_CALL_INVALID_JSONRPC', 'initialize needs params.protocolVersion (a string)');
    requested = toMcpVersion(initialize);
    if (requested === undefined) return unsupported(initialize);
  }
  const version = (header === undefined ? undefined : toMcpVersion(header)) ?? requested ?? MCP_DEFAULT_VERSION;
  return { kind: 'version', version };
}

function initializeVersion(message: JsonRpcMessage): JsonValue | undefined {
  if (message.kind === 'response' || message.method !== 'initialize') return undefined;
  return message.params?.protocolVersion ?? null;
}

function parseMessage(value: JsonValue, route: ResolvedRoute, req: HttpRequestView, batchVersion?: McpVersion): Call | Rejection {
  const message = classifyMessage(value);
  if (message.kind === 'rejected') return message;
  const id = message.kind === 'response' ? message.id : message.kind === 'request' ? message.id : undefined;
  const withId = (r: Rejection): Rejection => (id === undefined ? r : { ...r, jsonRpcId: r.jsonRpcId ?? id });
  if (batchVersion !== undefined && initializeVersion(message) !== undefined) {
    return withId(rejectCall('ERR_CALL_INVALID_JSONRPC', 'initialize must not be part of a batch'));
  }
  const resolved = batchVersion === undefined ? resolveVersion(req.headers, initializeVersion(message)) : { kind: 'version' as const, version: batchVersion };
  if (resolved.kind === 'rejected') return withId(resolved);
  if (message.kind === 'response' && isStateless(resolved.version)) {
    return withId(rejectCall('ERR_CALL_INVALID_JSONRPC', `clients do not send JSON-RPC responses on MCP ${resolved.version}`));
  }
  const headerProblem = checkMcpHeaders(req.headers, message, resolved.version);
  if (headerProblem !== undefined) return headerProblem;
  return callFromMessage(message, route.server, resolved.version);
}

function isCall(value: Call | Rejection): value is Call {
  return !('kind' in value);
}

function parseBatch(items: readonly JsonValue[], route: ResolvedRoute, req: HttpRequestView, limits: ParseLimits): ParseResult {
  const resolved = resolveVersion(req.headers, undefined);
  if (resolved.kind === 'rejected') return resolved;
  if (!allowsBatches(resolved.version)) {
    return rejectCall('ERR_CALL_BATCH_NOT_ALLOWED', `JSON-RPC batches are not allowed on MCP ${resolved.version}`);
  }
  if (items.length === 0) return rejectCall('ERR_CALL_EMPTY_BATCH', 'the JSON-RPC batch is empty');
  if (items.length > limits.maxBatchSize) {
    return rejectCall('ERR_CALL_BATCH_TOO_LARGE', `the batch has ${items.length} messages; the limit is ${limits.maxBatchSize}`);
  }
  const calls: Call[] = [];
  for (const item of items) {
    const call = parseMessage(item, route, req, resolved.version);
    if (!isCall(call)) return asMcpRejection(call, readJsonRpcId(item));
    calls.push(call);
  }
  return { kind: 'calls', protocol: 'mcp', server: route.server, calls, batch: true };
}

function parsePost(req: HttpRequestView, route: ResolvedRoute, limits: ParseLimits): ParseResult {
  const body = readJsonBody(req, route.contentTypes, limits);
  if (body.kind === 'rejected') return body;
  if (Array.isArray(body.value)) return parseBatch(body.value, route, req, limits);
  if (!isJsonObject(body.value)) return rejectCall('ERR_CALL_INVALID_JSONRPC', 'a JSON-RPC message must be an object');
  const call = parseMessage(body.value, route, req);
  if (!isCall(call)) return call;
  return { kind: 'calls', protocol: 'mcp', server: route.server, calls: [call], batch: false };
}

/** GET (listen stream) and DELETE (end session): no body, no JSON-RPC message. */
function parseBodiless(req: HttpRequestView, route: ResolvedRoute, fn: 'mcp:stream/listen' | 'mcp:session/delete'): ParseResult {
  const resolved = resolveVersion(req.headers, undefined);
  if (resolved.kind === 'rejected') return resolved;
  if (isStateless(resolved.version)) return rejectCall('ERR_CALL_METHOD_NOT_ALLOWED', `${req.method} is not part of MCP ${resolved.version}`);
  if (req.body !== undefined && req.body.length > 0) return rejectCall('ERR_CALL_INVALID_JSONRPC', `an MCP ${req.method} must not carry a body`);
  const call: Call = { protocol: 'mcp', function: fn, server: route.server, args: {}, mcpProtocolVersion: resolved.version };
  return { kind: 'calls', protocol: 'mcp', server: route.server, calls: [call], batch: false };
}

function parseByMethod(req: HttpRequestView, route: ResolvedRoute, limits: ParseLimits): ParseResult {
  switch (req.method) {
    case 'POST':
      return parsePost(req, route, limits);
    case 'GET':
      return parseBodiless(req, route, 'mcp:stream/listen');
    case 'DELETE':
      return parseBodiless(req, route, 'mcp:session/delete');
    default:
      return rejectCall('ERR_CALL_METHOD_NOT_ALLOWED', `method ${req.method.slice(0, 20)} is not used by MCP Streamable HTTP`);
  }
}

export function parseMcpCall(req: HttpRequestView, route: ResolvedRoute, limits: ParseLimits): ParseResult {
  const result = parseByMethod(req, route, limits);
  return result.kind === 'rejected' ? asMcpRejection(result) : result;
}
