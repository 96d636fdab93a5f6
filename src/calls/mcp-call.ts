/**
 * One JSON-RPC message → one Call. `tools/call` → the tool (`params.name`) with `params.arguments`;
 * other methods → `mcp:<method>` with `{}`, except `resources/read|subscribe|unsubscribe` → `{ uri }` and
 * `prompts/get` → `{ name }`; a client's JSON-RPC response → `mcp:response`.
 */
import { checkFunctionName } from './function-name';
import type { JsonRpcMessage } from './jsonrpc-message';
import type { McpVersion } from './mcp-versions';
import { rejectCall, type Rejection } from './rejection';
import { isJsonObject } from './strict-json';
import type { Call, JsonObject, JsonValue } from './types';

const FIELD_ARGS: ReadonlyMap<string, 'uri' | 'name'> = new Map([
  ['resources/read', 'uri'],
  ['resources/subscribe', 'uri'],
  ['resources/unsubscribe', 'uri'],
  ['prompts/get', 'name'],
]);

type Target = { readonly kind: 'target'; readonly function: string; readonly args: JsonObject } | Rejection;

function toolTarget(params: JsonObject | undefined): Target {
  const name: JsonValue | undefined = params?.name;
  if (typeof name !== 'string') return rejectCall('ERR_CALL_INVALID_JSONRPC', 'tools/call needs params.name (a string)');
  const badName = checkFunctionName(name);
  if (badName !== undefined) return rejectCall('ERR_CALL_INVALID_JSONRPC', `tool name is not valid: ${badName.message}`);
  const args = params?.arguments;
  if (args === undefined) return { kind: 'target', function: name, args: {} };
  if (!isJsonObject(args)) return rejectCall('ERR_CALL_INVALID_JSONRPC', 'params.arguments must be an object');
  return { kind: 'target', function: name, args };
}

function methodTarget(method: string, params: JsonObject | undefined): Target {
  if (method === 'tools/call') return toolTarget(params);
  const field = FIELD_ARGS.get(method);
  if (field === undefined) return { kind: 'target', function: `mcp:${method}`, args: {} };
  const value = params?.[field];
  if (typeof value !== 'string') return rejectCall('ERR_CALL_INVALID_JSONRPC', `${method} needs params.${field} (a string)`);
  return { kind: 'target', function: `mcp:${method}`, args: { [field]: value } };
}

export function callFromMessage(message: JsonRpcMessage, server: string, version: McpVersion): Call | Rejection {
  if (message.kind === 'response') {
    return { protocol: 'mcp', function: 'mcp:response', server, args: {}, jsonRpcId: message.id, mcpProtocolVersion: version };
  }
  const target = methodTarget(message.method, message.params);
  const id = message.kind === 'request' ? message.id : undefined;
  if (target.kind === 'rejected') return id === undefined ? target : { ...target, jsonRpcId: id };
  const call: Call = { protocol: 'mcp', function: target.function, server, args: target.args, mcpProtocolVersion: version, mcpMethod: message.method };
  return id === undefined ? call : { ...call, jsonRpcId: id };
}
