/**
 * Example MCP tool server ("tools"), Streamable HTTP on POST /mcp, stateless (no session id), built on the
 * official `@modelcontextprotocol/sdk`. Its tools match the example bundle's schema (policies/): read-only
 * `search_issues` and `read_file`, `create_issue`, and destructive `delete_repo` and `run_sql`. Some results
 * carry secrets on purpose, so the walkthrough can show callgate masking them (@mask in tools.cedar).
 *
 * Listen address: MCP_TOOLS_LISTEN (default 0.0.0.0:8081). GET /healthz answers 200.
 */
import http from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { announceListening, readListenAddress, stopOnSignals } from '../listen-address';

function textResult(text: string): { content: { type: 'text'; text: string }[] } {
  return { content: [{ type: 'text', text }] };
}

const FILES: ReadonlyMap<string, string> = new Map([
  ['README.md', '# demo repo\nDeploy with `make deploy`.\n'],
  ['deploy/config.yaml', 'region: eu-west-1\naccess_key_id: AKIAIOSFODNN7EXAMPLE\n'],
  ['.env', 'DATABASE_PASSWORD=not-for-callers\n'],
]);

function createToolServer(): McpServer {
  const server = new McpServer({ name: 'callgate-example-tools', version: '0.1.0' });
  server.registerTool(
    'search_issues',
    { description: 'Search issues in a repository', inputSchema: { query: z.string(), repo: z.string() } },
    ({ query, repo }) =>
      textResult(`${repo}#12 "${query}: deploy fails" (reporter pasted the key AKIAIOSFODNN7EXAMPLE)\n${repo}#15 "${query}: flaky test"`),
  );
  server.registerTool('read_file', { description: 'Read a file of the demo repository', inputSchema: { path: z.string() } }, ({ path }) =>
    textResult(FILES.get(path) ?? `no such file: ${path}`),
  );
  server.registerTool(
    'create_issue',
    { description: 'Open an issue', inputSchema: { repo: z.string(), title: z.string(), body: z.string().optional() } },
    ({ repo, title }) => textResult(`created ${repo}#16 "${title}"`),
  );
  server.registerTool('delete_repo', { description: 'Delete a repository (destructive)', inputSchema: { repo: z.string() } }, ({ repo }) =>
    textResult(`deleted ${repo}`),
  );
  server.registerTool('run_sql', { description: 'Run SQL on the demo database (destructive)', inputSchema: { query: z.string() } }, ({ query }) =>
    textResult(`ran: ${query}`),
  );
  return server;
}

/** Stateless Streamable HTTP: a fresh server and transport per POST, JSON responses (no SSE needed). */
async function handleMcp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const server = createToolServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
}

function sendStatus(res: http.ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function main(): void {
  const { host, port } = readListenAddress('MCP_TOOLS_LISTEN', '0.0.0.0:8081');
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') return sendStatus(res, 200, { status: 'ok' });
    if (path !== '/mcp') return sendStatus(res, 404, { error: 'not found' });
    // Stateless server: no standalone SSE stream (GET) and no session to delete (DELETE).
    if (req.method !== 'POST') return sendStatus(res, 405, { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed' }, id: null });
    handleMcp(req, res).catch(() => {
      if (!res.headersSent) sendStatus(res, 500, { jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null });
    });
  });
  server.listen(port, host, () => announceListening('mcp-tools', server.address()));
  stopOnSignals(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
}

main();
