/** Validates one JSON-RPC 2.0 message envelope as MCP uses it (params, when present, is an object). */
import { rejectCall, type Rejection } from './rejection';
import { isJsonObject } from './strict-json';
import type { JsonObject, JsonValue } from './types';

export type JsonRpcId = string | number;

export type JsonRpcMessage =
  | { readonly kind: 'request'; readonly id: JsonRpcId; readonly method: string; readonly params: JsonObject | undefined }
  | { readonly kind: 'notification'; readonly method: string; readonly params: JsonObject | undefined }
  | { readonly kind: 'response'; readonly id: JsonRpcId | null };

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const RESPONSE_KEYS = new Set(['jsonrpc', 'id', 'result', 'error']);

function invalid(message: string, id?: JsonRpcId | null): Rejection {
  return rejectCall('ERR_CALL_INVALID_JSONRPC', message, id === undefined ? {} : { jsonRpcId: id });
}

function has(value: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, key);
}

/** The message's id when it is a valid JSON-RPC id (string, number or null), for error envelopes. */
export function readJsonRpcId(value: JsonValue): JsonRpcId | null | undefined {
  if (!isJsonObject(value) || !has(value, 'id')) return undefined;
  const id = value.id;
  return typeof id === 'string' || typeof id === 'number' || id === null ? id : undefined;
}

function classifyRequest(value: JsonObject, method: JsonValue | undefined, id: JsonRpcId | null | undefined): JsonRpcMessage | Rejection {
  if (typeof method !== 'string' || method === '') return invalid('method must be a non-empty string', id);
  const extra = Object.keys(value).find((k) => !REQUEST_KEYS.has(k));
  if (extra !== undefined) return invalid('request has a member JSON-RPC does not define', id);
  const params = value.params;
  if (params !== undefined && !isJsonObject(params)) return invalid('params must be an object', id);
  if (!has(value, 'id')) return { kind: 'notification', method, params };
  if (typeof value.id !== 'string' && typeof value.id !== 'number') return invalid('request id must be a string or a number', id);
  return { kind: 'request', id: value.id, method, params };
}

function classifyResponse(value: JsonObject, id: JsonRpcId | null | undefined): JsonRpcMessage | Rejection {
  const extra = Object.keys(value).find((k) => !RESPONSE_KEYS.has(k));
  if (extra !== undefined) return invalid('response has a member JSON-RPC does not define', id);
  if (has(value, 'result') === has(value, 'error')) return invalid('a response has exactly one of result and error', id);
  if (has(value, 'error') && !isJsonObject(value.error)) return invalid('error must be an object', id);
  if (id === undefined) return invalid('response id must be a string, a number or null');
  return { kind: 'response', id };
}

export function classifyMessage(value: JsonValue): JsonRpcMessage | Rejection {
  if (!isJsonObject(value)) return invalid('a JSON-RPC message must be an object');
  const id = readJsonRpcId(value);
  if (value.jsonrpc !== '2.0') return invalid('jsonrpc must be "2.0"', id);
  if (has(value, 'method')) return classifyRequest(value, value.method, id);
  if (has(value, 'result') || has(value, 'error')) return classifyResponse(value, id);
  return invalid('message is neither a request, a notification nor a response', id);
}
