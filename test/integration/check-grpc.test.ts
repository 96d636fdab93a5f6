/**
 * callgate over real gRPC on loopback, with the example bundle in policies/: decisions in the main thread
 * batched per event-loop turn (the default engine.batch_max), inline one Check at a time (engine.batch_max 0)
 * and on the worker pool (engine.workers, dist/policy/pool-worker.js: `npm run build` first) must be the same.
 */
import path from 'node:path';
import { startApp, type RunningApp } from '../support/app-harness';
import { connectCheckClient, envoyCheckRequest, type CheckClient } from '../support/check-client';
import { structToJson } from '../../src/envoy/struct';

const policies = path.join(__dirname, '../../policies');
const alice = { iss: 'https://idp.example.com', sub: 'alice', groups: ['payments-team'] };
const http = { protocol: 'http', server: 'payments', path: '/functions/{function}' };
const mcp = { protocol: 'mcp', server: 'tools' };

describe.each([
  ['in the main thread, batched', {}],
  ['in the main thread, inline', { 'engine.batch_max': '0' }],
  ['on 2 policy workers', { 'engine.workers': '2' }],
])('Check over gRPC, evaluated %s', (_mode, engine: Record<string, string>) => {
  let running: RunningApp;
  let client: CheckClient;

  beforeAll(async () => {
    running = await startApp({ policies, ...engine });
    client = connectCheckClient(running.grpc);
  });
  afterAll(async () => {
    client.close();
    await running.close();
  });

  it('evaluates where configured', () => {
    expect(running.app.bundle()?.offThread !== undefined).toBe('engine.workers' in engine);
  });

  it('allows a permitted call with the decision id header and obligations in dynamic metadata', async () => {
    const res = await client.check(envoyCheckRequest({
      path: '/functions/payments.get', body: '{"paymentId":"p-1"}', contextExtensions: http, jwtPayload: alice,
      headers: { 'x-callgate-decision-id': 'forged', 'x-callgate-role': 'admin' },
    }));
    expect(res.status?.code).toBe(0);
    expect(res.http_response).toBe('ok_response');
    const set = res.ok_response?.headers.map((h) => [h.header?.key, h.header?.value, h.append?.value, h.append_action]);
    expect(set).toContainEqual(['x-callgate-decision-id', expect.stringMatching(/^[0-9a-f-]{36}$/), false, 'OVERWRITE_IF_EXISTS_OR_ADD']);
    expect(res.ok_response?.headers_to_remove).toEqual(['x-callgate-role']);
    const meta = structToJson(res.dynamic_metadata!);
    expect(meta).toMatchObject({ decision: 'allow', function: 'payments.get', principal: 'User::"alice"', deciding_policies: ['payments-read'] });
    expect(meta.obligations).toEqual({ mask: ['pan'], mask_fields: ['$.customer.email'], redact_args: [] });
  });

  it('denies with the forbid reason as a 403 JSON body', async () => {
    const res = await client.check(envoyCheckRequest({
      path: '/functions/payments.charge', body: '{"amount":10.5,"currency":"JPY","customerId":"c1"}', contextExtensions: http, jwtPayload: alice,
    }));
    expect(res.status?.code).not.toBe(0);
    expect(res.denied_response?.status?.code).toBe('Forbidden');
    expect(JSON.parse(res.denied_response?.body ?? '')).toMatchObject({ error: 'forbidden', reason: 'only EUR, USD and GBP charges are supported', code: 'ERR_POLICY_DENIED' });
  });

  it('denies an MCP tools/call with a JSON-RPC error carrying the request id', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 41, method: 'tools/call', params: { name: 'delete_repo', arguments: { repo: 'core' } } });
    const agent = { iss: 'https://idp.example.com', sub: 'alice', act: { sub: 'research-agent' } };
    const res = await client.check(envoyCheckRequest({ path: '/mcp', body, contextExtensions: mcp, jwtPayload: agent, headers: { 'mcp-protocol-version': '2025-06-18' } }));
    const rpc = JSON.parse(res.denied_response?.body ?? '');
    expect(rpc).toMatchObject({ jsonrpc: '2.0', id: 41, error: { code: -32003, message: 'AI agents may only call read-only functions' } });
  });

  it('answers 401 with WWW-Authenticate when an anonymous caller is denied', async () => {
    const res = await client.check(envoyCheckRequest({ path: '/functions/payments.get', body: '{"paymentId":"p"}', contextExtensions: http }));
    expect(res.denied_response?.status?.code).toBe('Unauthorized');
    expect(res.denied_response?.headers.map((h) => h.header?.key)).toContain('www-authenticate');
  });

  it('denies an unknown function', async () => {
    const res = await client.check(envoyCheckRequest({ path: '/functions/payments.nuke', body: '{}', contextExtensions: http, jwtPayload: alice }));
    expect(JSON.parse(res.denied_response?.body ?? '')).toMatchObject({ reason: 'unknown function', code: 'ERR_POLICY_UNKNOWN_FUNCTION' });
  });

  it('reports approval_required for a forbid carrying @approval', async () => {
    const svc = { iss: 'https://idp.example.com', sub: 'etl', azp: 'etl', groups: ['platform-admins'] };
    const body = JSON.stringify({ jsonrpc: '2.0', id: 'a1', method: 'tools/call', params: { name: 'run_sql', arguments: { query: 'drop table x' } } });
    const res = await client.check(envoyCheckRequest({ path: '/mcp', body, contextExtensions: mcp, jwtPayload: svc, headers: { 'mcp-protocol-version': '2025-11-25' } }));
    const rpc = JSON.parse(res.denied_response?.body ?? '');
    expect(rpc.error.data).toMatchObject({ error: 'approval_required', code: 'ERR_APPROVAL_REQUIRED' });
  });

  it('answers many concurrent Checks each with its own decision', async () => {
    const get = (i: number) => envoyCheckRequest({ path: '/functions/payments.get', body: `{"paymentId":"p-${i}"}`, contextExtensions: http, jwtPayload: alice });
    const charge = () => envoyCheckRequest({ path: '/functions/payments.charge', body: '{"amount":1,"currency":"JPY","customerId":"c1"}', contextExtensions: http, jwtPayload: alice });
    const expected = Array.from({ length: 48 }, (_v, i) => (i % 3 === 2 ? 'deny' : 'allow'));
    const answers = await Promise.all(expected.map((kind, i) => client.check(kind === 'deny' ? charge() : get(i))));
    expect(answers.map((res) => (res.http_response === 'ok_response' ? 'allow' : 'deny'))).toEqual(expected);
    const ids = answers.map((res) => res.ok_response?.headers.find((h) => h.header?.key === 'x-callgate-decision-id')?.header?.value).filter((id) => id !== undefined);
    expect(new Set(ids).size).toBe(32);
  });

  it('serves gRPC health and readiness, and counts decisions in /metrics', async () => {
    expect(await client.health('')).toBe('SERVING');
    expect(await client.health('envoy.service.auth.v3.Authorization')).toBe('SERVING');
    const ready = await fetch(`http://${running.http}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', revision: running.app.bundle()?.revision });
    expect((await fetch(`http://${running.http}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`http://${running.http}/metrics`)).text();
    expect(metrics).toMatch(/callgate_authz_decisions_total\{decision="allow",reason="none"\} [1-9]/);
    expect(metrics).toMatch(/callgate_authz_decisions_total\{decision="deny",reason="ERR_POLICY_DENIED"\} [1-9]/);
    expect(metrics).toContain('callgate_authz_check_duration_seconds_bucket{le="0.00001",decision="allow"}');
    expect(metrics).toMatch(/callgate_bundle_info\{revision="[0-9a-f]{16}"\} 1/);
  });
});
