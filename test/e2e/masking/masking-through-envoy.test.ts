/**
 * End to end: HTTP client → Envoy emulation (ext_authz + ext_proc, from envoy/sidecar.yaml) → callgate
 * Check and Process over real gRPC (example bundle in policies/) → a real upstream returning card numbers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startMaskingSidecar, type MaskingSidecar } from '../../support/masking-sidecar';
import { verifiedClaimsHeader, type EnvoyEmulator } from '../../support/envoy-emulator';

const alice = { iss: 'https://idp.example.com', sub: 'alice', groups: ['payments-team'] };
const asAlice = verifiedClaimsHeader(alice);
const bob = { iss: 'https://idp.example.com', sub: 'bob', groups: ['engineering'] };
const asBob = verifiedClaimsHeader(bob);

interface Reply {
  contentType: string;
  body: string;
  /** Override the content-length the upstream sends. */
  contentLength?: number;
}

interface Upstream {
  url: string;
  reply: Reply;
  received: { url: string; body: string }[];
  close(): Promise<void>;
}

async function startCardUpstream(): Promise<Upstream> {
  const up: Omit<Upstream, 'url' | 'close'> = { reply: { contentType: 'application/json', body: '{}' }, received: [] };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      up.received.push({ url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': up.reply.contentType, 'content-length': up.reply.contentLength ?? Buffer.byteLength(up.reply.body) });
      res.end(up.reply.body);
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

describe('masking through the Envoy emulation (ext_authz → ext_proc)', () => {
  let upstream: Upstream;
  let sidecar: MaskingSidecar;
  let envoy: EnvoyEmulator;

  beforeAll(async () => {
    upstream = await startCardUpstream();
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

  const post = (p: string, body: string) => fetch(`${envoy.url}${p}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...asAlice } });

  it('a support agent reading a payment gets the card reduced to its last four digits, email removed, valid JSON', async () => {
    upstream.reply = {
      contentType: 'application/json',
      body: JSON.stringify({ id: 'p-1', amount: 12.5, card: '4111 1111 1111 1111', card_number: 5555555555554444, customer: { name: 'Ana', email: 'ana@example.com' } }),
    };
    const res = await post('/functions/payments.get', '{"paymentId":"p-1"}');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(JSON.parse(text)).toEqual({ id: 'p-1', amount: 12.5, card: '**** **** **** 1111', card_number: '************4444', customer: { name: 'Ana', email: '[REDACTED:field]' } });
    expect(upstream.received[0]?.body).toBe('{"paymentId":"p-1"}');
  });

  it('masks a streamed SSE response event by event', async () => {
    upstream.reply = { contentType: 'text/event-stream', body: 'data: {"card":"4111111111111111"}\n\ndata: {"card":"5555-5555-5555-4444"}\n\n' };
    const res = await post('/functions/payments.list', '{"customerId":"c-1"}');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('data: {"card":"************1111"}\n\ndata: {"card":"****-****-****-4444"}\n\n');
  });

  it('MCP tool result: secrets masked in content text, its structuredContent twin and embedded resources', async () => {
    const found = { repo: 'core', snippet: 'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE', token: 'ghp_0123456789abcdefghijABCDEFGHIJ012345' };
    upstream.reply = {
      contentType: 'application/json',
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        result: {
          content: [{ type: 'text', text: JSON.stringify(found) }, { type: 'resource', resource: { uri: 'file:///k', text: 'key AKIAIOSFODNN7EXAMPLE' } }],
          structuredContent: found,
        },
      }),
    };
    const res = await fetch(`${envoy.url}/mcp`, {
      method: 'POST',
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'search_issues', arguments: { query: 'key', repo: 'core' } } }),
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18', ...asBob },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toMatch(/AKIAIOSFODNN7EXAMPLE|ghp_0123/);
    const body = JSON.parse(text) as { result: { content: [{ text: string }, { resource: { text: string } }]; structuredContent: unknown } };
    const masked = { repo: 'core', snippet: 'AWS_ACCESS_KEY_ID=[REDACTED:aws_key]', token: '[REDACTED:api_token]' };
    expect(body.result.structuredContent).toEqual(masked);
    expect(JSON.parse(body.result.content[0].text)).toEqual(masked);
    expect(body.result.content[1].resource.text).toBe('key [REDACTED:aws_key]');
  });

  it('@redact_args: the description argument never reaches the upstream; content-length fixed', async () => {
    upstream.reply = { contentType: 'application/json', body: '{"ok":true}' };
    const res = await post('/functions/payments.charge', '{"amount":12.5,"currency":"EUR","customerId":"c-1","description":"card 4111 1111 1111 1111"}');
    expect(res.status).toBe(200);
    expect(JSON.parse(upstream.received[0]?.body ?? 'null')).toEqual({ amount: 12.5, currency: 'EUR', customerId: 'c-1' });
  });

  it('a decision without obligations buffers nothing and passes the body unchanged', async () => {
    upstream.reply = { contentType: 'application/json', body: '{"refund":"4111111111111111"}' };
    const res = await post('/functions/payments.refund', '{"amount":120,"orderId":"o-1"}');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"refund":"4111111111111111"}');
  });

  it('a response over the masking limit fails closed with status_on_error, never unmasked', async () => {
    const big = 'x'.repeat(5 * 1024 * 1024);
    upstream.reply = { contentType: 'application/json', body: `{"card":"4111111111111111","pad":"${big}"}` };
    const over = await post('/functions/payments.get', '{"paymentId":"p"}');
    expect(over.status).toBe(500);
    expect(await over.text()).not.toContain('4111111111111111');
  });
});
