/**
 * A case → the HTTP request Envoy would hand callgate for it, so the case goes through the real call parser:
 *   http: POST /functions/<function>, JSON body = input, route context_extensions {server, protocol: http,
 *         path: /functions/{function}, method: POST} (as envoy/sidecar.yaml sets them);
 *   mcp:  POST /mcp, MCP 2025-11-25, one JSON-RPC message: `tools/call` {name, arguments: input} for a tool;
 *         for `mcp:<method>` the method with `params` = input (`initialize` gets a protocolVersion),
 *         notifications without an id; `mcp:stream/listen` is a GET, `mcp:session/delete` a DELETE,
 *         `mcp:response` a JSON-RPC response with `result` = input.
 */
import type { HttpRequestView } from '../calls/types';
import type { RequestFacts } from '../envoy/check-request';

export const TEST_MCP_VERSION = '2025-11-25';
export const HTTP_FUNCTION_PATH = '/functions/{function}';
export const MCP_PATH = '/mcp';

export interface CaseRequestSpec {
  readonly function: string;
  readonly server: string;
  readonly protocol: 'http' | 'mcp';
  /** The arguments as JSON text (numbers exactly as written). */
  readonly inputJson: string;
  readonly host: string;
  readonly sourceIp: string;
  readonly requestId: string;
}

export function buildCaseRequest(spec: CaseRequestSpec): { view: HttpRequestView; facts: RequestFacts } {
  const facts: RequestFacts = { requestId: spec.requestId, streamId: spec.requestId, sourceIp: spec.sourceIp };
  const built = spec.protocol === 'http' ? httpRequest(spec) : mcpRequest(spec);
  const headers = new Map<string, string>([
    [':method', built.method],
    [':path', built.path],
    [':authority', spec.host],
    ['x-request-id', spec.requestId],
    ...built.headers,
  ]);
  if (built.body !== undefined) headers.set('content-length', String(built.body.length));
  const view: HttpRequestView = { method: built.method, path: built.path, host: spec.host, headers, body: built.body, contextExtensions: built.extensions };
  return { view, facts };
}

interface Built {
  readonly method: string;
  readonly path: string;
  readonly headers: readonly [string, string][];
  readonly body: Buffer | undefined;
  readonly extensions: Record<string, string>;
}

function httpRequest(spec: CaseRequestSpec): Built {
  return {
    method: 'POST',
    path: `/functions/${encodeURIComponent(spec.function)}`,
    headers: [['content-type', 'application/json']],
    body: Buffer.from(spec.inputJson, 'utf8'),
    extensions: { server: spec.server, protocol: 'http', path: HTTP_FUNCTION_PATH, method: 'POST' },
  };
}

function mcpRequest(spec: CaseRequestSpec): Built {
  const extensions = { server: spec.server, protocol: 'mcp' };
  const headers: [string, string][] = [['mcp-protocol-version', TEST_MCP_VERSION]];
  if (spec.function === 'mcp:stream/listen' || spec.function === 'mcp:session/delete') {
    const method = spec.function === 'mcp:stream/listen' ? 'GET' : 'DELETE';
    return { method, path: MCP_PATH, headers: [...headers, ['accept', 'text/event-stream'], ['mcp-session-id', 'callgate-test']], body: undefined, extensions };
  }
  const post: [string, string][] = [...headers, ['content-type', 'application/json'], ['accept', 'application/json, text/event-stream']];
  return { method: 'POST', path: MCP_PATH, headers: post, body: Buffer.from(jsonRpcText(spec), 'utf8'), extensions };
}

function jsonRpcText(spec: CaseRequestSpec): string {
  if (spec.function === 'mcp:response') return `{"jsonrpc":"2.0","id":1,"result":${spec.inputJson}}`;
  if (!spec.function.startsWith('mcp:')) {
    return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":${JSON.stringify(spec.function)},"arguments":${spec.inputJson}}}`;
  }
  const method = spec.function.slice('mcp:'.length);
  let params = spec.inputJson;
  if (method === 'initialize' && !/"protocolVersion"\s*:/.test(params)) {
    const rest = params.trim() === '{}' ? '' : `,${params.trim().slice(1, -1)}`;
    params = `{"protocolVersion":${JSON.stringify(TEST_MCP_VERSION)},"capabilities":{},"clientInfo":{"name":"callgate-test","version":"0"}${rest}}`;
  }
  const id = method.startsWith('notifications/') ? '' : '"id":1,';
  return `{"jsonrpc":"2.0",${id}"method":${JSON.stringify(method)},"params":${params}}`;
}
