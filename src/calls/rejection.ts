/** The rejected branch of ParseResult, and one helper to build it. */
import type { ErrorCode } from '../errors';
import type { ParseResult, Protocol } from './types';

export type Rejection = Extract<ParseResult, { kind: 'rejected' }>;

export interface RejectionExtra {
  readonly protocol?: Protocol;
  readonly jsonRpcId?: string | number | null;
  readonly jsonRpcCode?: number;
}

/** JSON-RPC error codes used in MCP rejections. */
export const JSONRPC_PARSE_ERROR = -32700;
export const JSONRPC_INVALID_REQUEST = -32600;
export const MCP_HEADER_MISMATCH = -32020;

export function rejectCall(code: ErrorCode, message: string, extra: RejectionExtra = {}): Rejection {
  const rejection: { -readonly [K in keyof Rejection]: Rejection[K] } = { kind: 'rejected', code, message };
  if (extra.protocol !== undefined) rejection.protocol = extra.protocol;
  if (extra.jsonRpcId !== undefined) rejection.jsonRpcId = extra.jsonRpcId;
  if (extra.jsonRpcCode !== undefined) rejection.jsonRpcCode = extra.jsonRpcCode;
  return rejection;
}

/** The JSON-RPC code an MCP rejection carries: -32700 when the body could not be parsed, else -32600. */
export function jsonRpcCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'ERR_CALL_INVALID_UTF8':
    case 'ERR_CALL_INVALID_JSON':
    case 'ERR_CALL_DUPLICATE_KEY':
    case 'ERR_CALL_TOO_DEEP':
      return JSONRPC_PARSE_ERROR;
    case 'ERR_CALL_MCP_HEADER_MISMATCH':
      return MCP_HEADER_MISMATCH;
    default:
      return JSONRPC_INVALID_REQUEST;
  }
}

/** Marks a rejection as MCP (protocol, JSON-RPC code, id when known). */
export function asMcpRejection(rejection: Rejection, jsonRpcId?: string | number | null): Rejection {
  return rejectCall(rejection.code, rejection.message, {
    protocol: 'mcp',
    jsonRpcId: rejection.jsonRpcId ?? jsonRpcId,
    jsonRpcCode: rejection.jsonRpcCode ?? jsonRpcCodeFor(rejection.code),
  });
}
