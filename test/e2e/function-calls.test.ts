/**
 * End to end: a real HTTP client → the Envoy emulation configured from envoy/sidecar.yaml → callgate over
 * real gRPC (example bundle in policies/) → a real upstream HTTP function.
 * Identity: the emulator plays Envoy's jwt_authn filter, putting the (test-provided) verified payload in
 * metadata_context the way `payload_in_metadata: jwt_payload` does.
 */
import path from 'node:path';
import { startApp, type RunningApp } from '../support/app-harness';
import { startUpstream, type Upstream } from '../support/upstream';
import { startEnvoyEmulator, emulatorOptionsFromEnvoyConfig, simulatedJwtAuthn, verifiedClaimsHeader, type EnvoyEmulator } from '../support/envoy-emulator';

const root = path.join(__dirname, '../..');

const alice = { iss: 'https://idp.example.com', sub: 'alice', groups: ['payments-team'], email: 'alice@example.com' };
const bob = { iss: 'https://idp.example.com', sub: 'bob', groups: ['engineering'] };
const agent = { iss: 'https://idp.example.com', sub: 'bob', act: { sub: 'research-agent' }, groups: ['engineering'] };

interface DenyBody {
  readonly code?: string;
  readonly decision_id?: string;
  readonly error?: { readonly data?: { readonly code?: string } } | string;
}

function asUser(payload: object): Record<string, string> {
  return verifiedClaimsHeader(payload);
}

describe('function calls through the Envoy emulation', () => {
  let callgate: RunningApp;
  let upstream: Upstream;
  let envoy: EnvoyEmulator;

  beforeAll(async () => {
    callgate = await startApp({ policies: path.join(root, 'policies') });
    upstream = await startUpstream();
    const options = emulatorOptionsFromEnvoyConfig(path.join(root, 'envoy/sidecar.yaml'), { authzAddress: callgate.grpc, upstream: upstream.url });
    envoy = await startEnvoyEmulator({
      ...options,
      timeoutMs: 5000, // loaded CI machines; Envoy's 250 ms from the config is exercised by the emulator's own tests
      metadataContext: simulatedJwtAuthn,
    });
  });
  afterAll(async () => {
    await envoy.close();
    await upstream.close();
    await callgate.close();
  });
  beforeEach(() => {
    upstream.received.length = 0;
  });

  const post = (p: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${envoy.url}${p}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const mcp = (message: object, headers: Record<string, string> = {}) =>
    post('/mcp', JSON.stringify(message), { 'mcp-protocol-version': '2025-06-18', accept: 'application/json, text/event-stream', ...headers });

  it('lets an allowed HTTP call reach the function with the decision id header and the exact body', async () => {
    const body = '{"paymentId":"pay_123"}';
    const res = await post('/functions/payments.get', body, { ...asUser(alice), 'x-callgate-principal': 'User::"admin"', 'x-callgate-extra': 'x' });
    expect(res.status).toBe(200);
    expect(upstream.received).toHaveLength(1);
    const call = upstream.received[0]!;
    expect(call.url).toBe('/functions/payments.get');
    expect(call.body).toBe(body);
    expect(call.headers['x-callgate-decision-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(call.headers['x-callgate-principal']).toBe('User::"alice"');
    expect(call.headers['x-callgate-extra']).toBeUndefined();
    expect(envoy.lastDynamicMetadata()).toMatchObject({ decision: 'allow', decision_id: call.headers['x-callgate-decision-id'], obligations: { mask: ['pan'] } });
    const audited = callgate.audit.find((r) => r.decision_id === call.headers['x-callgate-decision-id']);
    expect(audited).toMatchObject({ decision: 'allow', principal: 'User::"alice"', functions: ['payments.get'], deciding_policies: ['payments-read'] });
    expect(audited).toMatchObject({ args: [{ paymentId: 'pay_123' }], args_masked: [[]] }); // nothing sensitive to mask in it
  });

  it('gives a denied call 403 with the policy reason, and the function never sees it', async () => {
    const res = await post('/functions/payments.charge', '{"amount":12.5,"currency":"JPY","customerId":"c-1"}', asUser(alice));
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as DenyBody;
    expect(body).toMatchObject({ error: 'forbidden', reason: 'only EUR, USD and GBP charges are supported', code: 'ERR_POLICY_DENIED' });
    expect(res.headers.get('x-callgate-decision-id')).toBe(body.decision_id);
    expect(upstream.received).toHaveLength(0);
  });

  it('enforces argument constraints: a large refund needs a payments admin', async () => {
    const small = await post('/functions/payments.refund', '{"amount":120,"orderId":"o-1"}', asUser(alice)); // integral JSON number, decimal in the schema
    const large = await post('/functions/payments.refund', '{"amount":900.00,"orderId":"o-2"}', asUser(alice));
    const admin = await post('/functions/payments.refund', '{"amount":900.00,"orderId":"o-3"}', asUser({ ...alice, groups: ['payments-admins'] }));
    expect([small.status, large.status, admin.status]).toEqual([200, 403, 200]);
    expect(upstream.received.map((c) => JSON.parse(c.body).orderId)).toEqual(['o-1', 'o-3']);
  });

  it('denies an MCP tools/call with a JSON-RPC error carrying the request id', async () => {
    const res = await mcp({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'delete_repo', arguments: { repo: 'core' } } }, asUser(agent));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32003, message: 'AI agents may only call read-only functions' } });
    expect(upstream.received).toHaveLength(0);
  });

  it('allows permitted MCP calls, protocol methods included', async () => {
    const init = await mcp({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }, asUser(bob));
    const search = await mcp({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'search_issues', arguments: { query: 'bug', repo: 'core' } } }, asUser(bob));
    expect([init.status, search.status]).toEqual([200, 200]);
    expect(upstream.received).toHaveLength(2);
  });

  it('answers 401 with WWW-Authenticate to an anonymous caller', async () => {
    const res = await post('/functions/payments.get', '{"paymentId":"p"}');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="callgate"');
  });

  describe('bypass rules: each denied with its own reason', () => {
    const call = JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'search_issues', arguments: { query: 'q', repo: 'r' } } });
    const cases: [string, () => Promise<Response>, number, string][] = [
      ['non-identity content-encoding', () => post('/functions/payments.get', '{"paymentId":"p"}', { ...asUser(alice), 'content-encoding': 'gzip' }), 415, 'ERR_CALL_CONTENT_ENCODING'],
      ['undeclared content type', () => post('/functions/payments.get', '{"paymentId":"p"}', { ...asUser(alice), 'content-type': 'text/plain' }), 415, 'ERR_CALL_CONTENT_TYPE'],
      ['invalid JSON', () => post('/functions/payments.get', '{"paymentId":', asUser(alice)), 400, 'ERR_CALL_INVALID_JSON'],
      ['duplicate keys', () => post('/functions/payments.get', '{"paymentId":"p","paymentId":"q"}', asUser(alice)), 400, 'ERR_CALL_DUPLICATE_KEY'],
      ['nesting over the limit', () => post('/functions/payments.get', `{"paymentId":"p","x":${'['.repeat(100)}${']'.repeat(100)}}`, asUser(alice)), 400, 'ERR_CALL_TOO_DEEP'],
      ['invalid UTF-8', () => fetch(`${envoy.url}/functions/payments.get`, { method: 'POST', body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), headers: { 'content-type': 'application/json', ...asUser(alice) } }), 400, 'ERR_CALL_INVALID_UTF8'],
      ['batch on MCP 2025-06-18', () => post('/mcp', `[${call}]`, { ...asUser(bob), 'mcp-protocol-version': '2025-06-18' }), 400, 'ERR_CALL_BATCH_NOT_ALLOWED'],
      ['MCP 2026-07-28 headers that do not match the body', () => post('/mcp', call, { ...asUser(bob), 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'read_file' }), 400, 'ERR_CALL_MCP_HEADER_MISMATCH'],
      ['arguments with no exact Cedar value', () => post('/functions/payments.refund', '{"amount":0.123456,"orderId":"o"}', asUser(alice)), 400, 'ERR_CALL_ARGS_UNMAPPABLE'],
      ['unknown function', () => post('/functions/payments.drain', '{}', asUser(alice)), 403, 'ERR_POLICY_UNKNOWN_FUNCTION'],
    ];
    it.each(cases)('%s', async (_name, send, status, code) => {
      const res = await send();
      expect(res.status).toBe(status);
      const body = (await res.json()) as DenyBody;
      const code_ = typeof body.error === 'object' ? body.error.data?.code : body.code;
      expect(code_).toBe(code);
      expect(upstream.received).toHaveLength(0);
    });

    it('MCP header mismatch uses JSON-RPC error -32020', async () => {
      const res = await post('/mcp', call, { ...asUser(bob), 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' });
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32020);
    });

    it('a body over max_request_bytes is refused by Envoy itself (413) and never reaches the function', async () => {
      const big = JSON.stringify({ paymentId: 'x'.repeat(1_100_000) });
      const res = await post('/functions/payments.get', big, asUser(alice));
      expect(res.status).toBe(413);
      expect(upstream.received).toHaveLength(0);
    });
  });
});
