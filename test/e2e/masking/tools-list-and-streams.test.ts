/**
 * End to end through the Envoy emulation (ext_authz → ext_proc, envoy/sidecar.yaml) with the example bundle:
 * tools/list filtered per caller (JSON and SSE, every page), GET-resumed MCP streams masked event by event,
 * and compressed responses decoded, masked and re-encoded (or failed closed).
 */
import http from 'node:http';
import { gzipSync, brotliCompressSync, deflateSync, gunzipSync, brotliDecompressSync, inflateSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { startMaskingSidecar, type MaskingSidecar } from '../../support/masking-sidecar';
import { verifiedClaimsHeader, type EnvoyEmulator } from '../../support/envoy-emulator';

const as = (claims: object): Record<string, string> => verifiedClaimsHeader(claims);
const bob = as({ iss: 'https://idp.example.com', sub: 'bob', groups: ['engineering'] });
const carol = as({ iss: 'https://idp.example.com', sub: 'carol', groups: ['platform-admins'] });
const ciBot = as({ iss: 'https://idp.example.com', client_id: 'ci-bot', gty: 'client-credentials', groups: ['platform-admins'] });
const alice = as({ iss: 'https://idp.example.com', sub: 'alice', groups: ['payments-team'] });

interface Reply {
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

interface Upstream {
  url: string;
  reply: (req: { method: string; body: string; headers: http.IncomingHttpHeaders }) => Reply;
  received: { method: string; headers: http.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const up: Omit<Upstream, 'url' | 'close'> = { reply: () => ({ headers: {}, body: Buffer.alloc(0) }), received: [] };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      up.received.push(seen);
      const r = up.reply(seen);
      res.writeHead(200, { ...r.headers, 'content-length': String(r.body.length) });
      res.end(r.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(up, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  });
}

const ALL_TOOLS = ['search_issues', 'read_file', 'create_issue', 'delete_repo', 'run_sql', 'not_in_the_bundle'];
const toolEntry = (name: string): object => ({ name, description: `the ${name} tool`, inputSchema: { type: 'object' } });

/** A tools/list answer: page 1 holds the first three tools and a cursor, page 2 the rest. */
function toolsListResult(body: string): object {
  const req = JSON.parse(body) as { id: number; params?: { cursor?: string } };
  const page2 = req.params?.cursor === 'p2';
  const names = page2 ? ALL_TOOLS.slice(3) : ALL_TOOLS.slice(0, 3);
  return { jsonrpc: '2.0', id: req.id, result: { tools: names.map(toolEntry), ...(page2 ? {} : { nextCursor: 'p2' }) } };
}

const json = (value: object): Reply => ({ headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(value)) });
const sse = (text: string): Reply => ({ headers: { 'content-type': 'text/event-stream' }, body: Buffer.from(text) });

function raw(url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method, headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('tools/list filtering, GET-resumed streams and compressed bodies through the Envoy emulation', () => {
  let upstream: Upstream;
  let sidecar: MaskingSidecar;
  let envoy: EnvoyEmulator;

  beforeAll(async () => {
    upstream = await startUpstream();
    sidecar = await startMaskingSidecar(upstream.url);
    envoy = sidecar.envoy;
  });
  afterAll(async () => {
    await sidecar.close();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.received.length = 0;
  });

  const mcpHeaders = (who: Record<string, string>): Record<string, string> => ({
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-06-18',
    ...who,
  });

  async function listTools(who: Record<string, string>, cursor?: string): Promise<{ res: Response; names: string[]; cursor?: string }> {
    const res = await fetch(`${envoy.url}/mcp`, {
      method: 'POST',
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', ...(cursor === undefined ? {} : { params: { cursor } }) }),
      headers: mcpHeaders(who),
    });
    const text = await res.text();
    const data = res.headers.get('content-type')?.startsWith('text/event-stream') === true ? text.split('\n').find((l) => l.startsWith('data: '))?.slice(6) ?? 'null' : text;
    const body = JSON.parse(data) as { result: { tools: { name: string }[]; nextCursor?: string } };
    return { res, names: body.result.tools.map((t) => t.name), cursor: body.result.nextCursor };
  }

  async function listAllPages(who: Record<string, string>): Promise<string[]> {
    const first = await listTools(who);
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get('cache-control')).toBe('private, no-store');
    expect(first.cursor).toBe('p2');
    const second = await listTools(who, first.cursor);
    expect(second.res.headers.get('cache-control')).toBe('private, no-store');
    return [...first.names, ...second.names];
  }

  it('JSON tools/list: an engineer sees only the tools policy lets them call, on every page', async () => {
    upstream.reply = (req) => json(toolsListResult(req.body));
    expect(await listAllPages(bob)).toEqual(['search_issues', 'read_file', 'create_issue']);
  });

  it('SSE tools/list: the same filtering event by event; a platform admin also sees the destructive tools', async () => {
    upstream.reply = (req) => sse(`event: message\nid: 1\ndata: ${JSON.stringify(toolsListResult(req.body))}\n\n`);
    expect(await listAllPages(bob)).toEqual(['search_issues', 'read_file', 'create_issue']);
    expect(await listAllPages(carol)).toEqual(['search_issues', 'read_file', 'create_issue', 'delete_repo', 'run_sql']);
  });

  it('a tool only an approval can unlock is listed (some call could be allowed); a tool no call allows is not', async () => {
    upstream.reply = (req) => json(toolsListResult(req.body));
    // ci-bot is a non-interactive service: delete_repo/run_sql need an approval, which could be granted.
    expect(await listAllPages(ciBot)).toEqual(['search_issues', 'read_file', 'create_issue', 'delete_repo', 'run_sql']);
    // The payments team has no permit on the tools server at all.
    expect(await listAllPages(alice)).toEqual([]);
  });

  it('a tools/list answer that is not JSON fails closed', async () => {
    upstream.reply = () => ({ headers: { 'content-type': 'application/json' }, body: Buffer.from('<html>tools: delete_repo</html>') });
    const res = await fetch(`${envoy.url}/mcp`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), headers: mcpHeaders(bob) });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('delete_repo');
  });

  it('a GET-resumed MCP stream (Last-Event-ID) is masked event by event and its tool lists filtered', async () => {
    const result = { jsonrpc: '2.0', id: 3, result: { content: [{ type: 'text', text: 'key AKIAIOSFODNN7EXAMPLE' }], structuredContent: { key: 'AKIAIOSFODNN7EXAMPLE' } } };
    const list = { jsonrpc: '2.0', id: 4, result: { tools: ALL_TOOLS.map(toolEntry) } };
    upstream.reply = () => sse(`id: 41\nevent: message\ndata: ${JSON.stringify(result)}\n\nid: 42\nevent: message\ndata: ${JSON.stringify(list)}\n\n`);
    const res = await fetch(`${envoy.url}/mcp`, {
      method: 'GET',
      headers: { accept: 'text/event-stream', 'mcp-protocol-version': '2025-06-18', 'mcp-session-id': 's-1', 'last-event-id': '40', ...bob },
    });
    expect(res.status).toBe(200);
    expect(upstream.received[0]?.headers['last-event-id']).toBe('40');
    const text = await res.text();
    expect(text).not.toContain('AKIAIOSFODNN7EXAMPLE');
    const events = text.split('\n\n').filter((e) => e !== '');
    expect(events.map((e) => e.split('\n')[0])).toEqual(['id: 41', 'id: 42']);
    const data = events.map((e) => JSON.parse(e.split('\n').find((l) => l.startsWith('data: '))?.slice(6) ?? 'null') as { result: Record<string, unknown> });
    expect(data[0]?.result.structuredContent).toEqual({ key: '[REDACTED:aws_key]' });
    expect((data[1]?.result.tools as { name: string }[]).map((t) => t.name)).toEqual(['search_issues', 'read_file', 'create_issue']);
  });

  describe('compressed responses', () => {
    const card = { id: 'p-1', card: '4111 1111 1111 1111', customer: { email: 'ana@example.com' } };
    const expected = { id: 'p-1', card: '**** **** **** 1111', customer: { email: '[REDACTED:field]' } };
    const codecs = [
      { name: 'gzip', encode: gzipSync, decode: gunzipSync },
      { name: 'deflate', encode: deflateSync, decode: inflateSync },
      { name: 'br', encode: brotliCompressSync, decode: brotliDecompressSync },
    ];
    const postGet = (accept: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> =>
      raw(`${envoy.url}/functions/payments.get`, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-encoding': accept, ...alice }, body: '{"paymentId":"p-1"}' });

    it.each(codecs)('$name: decoded, masked, re-encoded, content-length of the encoded body; identity asked upstream', async ({ name, encode, decode }) => {
      upstream.reply = () => ({ headers: { 'content-type': 'application/json', 'content-encoding': name }, body: encode(Buffer.from(JSON.stringify(card))) });
      const res = await postGet(name);
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBe(name);
      expect(res.headers['content-length']).toBe(String(res.body.length));
      expect(JSON.parse(decode(res.body).toString('utf8'))).toEqual(expected);
      expect(upstream.received[0]?.headers['accept-encoding']).toBe('identity');
    });

    it('an unknown content-encoding fails closed', async () => {
      upstream.reply = () => ({ headers: { 'content-type': 'application/json', 'content-encoding': 'compress' }, body: Buffer.from(JSON.stringify(card)) });
      const res = await postGet('compress');
      expect(res.status).toBe(500);
      expect(res.body.toString('latin1')).not.toContain('4111');
    });

    it.each(codecs)('$name event stream: decoded as it flows, masked event by event, re-encoded', async ({ name, encode, decode }) => {
      const events = 'data: {"card":"4111111111111111"}\n\ndata: {"card":"5555-5555-5555-4444"}\n\n';
      upstream.reply = () => ({ headers: { 'content-type': 'text/event-stream', 'content-encoding': name }, body: encode(Buffer.from(events)) });
      const res = await raw(`${envoy.url}/functions/payments.list`, { method: 'POST', headers: { 'content-type': 'application/json', ...alice }, body: '{"customerId":"c-1"}' });
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBe(name);
      expect(decode(res.body).toString('utf8')).toBe('data: {"card":"************1111"}\n\ndata: {"card":"****-****-****-4444"}\n\n');
    });
  });
});
