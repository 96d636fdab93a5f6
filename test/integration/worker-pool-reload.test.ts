/**
 * Hot reload with the worker pool (engine.workers: 2) over real gRPC: a bundle change serves only once
 * every worker holds it, and from then on every Check is decided by the new revision.
 * Workers run dist/policy/pool-worker.js (`npm run build` first; `npm test` does).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startApp, type RunningApp } from '../support/app-harness';
import { connectCheckClient, envoyCheckRequest, type CheckClient } from '../support/check-client';
import type { CheckResponse__Output } from '../../src/generated/envoy/service/auth/v3/CheckResponse';

const alice = { iss: 'https://idp.example.com', sub: 'alice', groups: ['payments-team'] };
const request = envoyCheckRequest({
  path: '/functions/payments.get', body: '{"paymentId":"p-1"}', jwtPayload: alice,
  contextExtensions: { protocol: 'http', server: 'payments', path: '/functions/{function}' },
});
const reasonOf = (res: CheckResponse__Output): string | undefined => (res.denied_response ? (JSON.parse(res.denied_response.body) as { code: string }).code : undefined);

describe('hot reload on the worker pool', () => {
  let work: string;
  let running: RunningApp;
  let client: CheckClient;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'callgate-pool-reload-'));
    cpSync(path.join(__dirname, '../../policies'), work, { recursive: true });
    running = await startApp({ policies: work, watch_policies: 'true', reload_debounce_ms: '20', 'engine.workers': '2' });
    client = connectCheckClient(running.grpc);
  }, 30_000);
  afterAll(async () => {
    client.close();
    await running.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('switches every worker to the new revision', async () => {
    expect((await client.check(request)).status?.code).toBe(0);
    const before = running.app.bundle()?.revision;
    const file = path.join(work, readdirSync(work).find((n) => n.endsWith('.cedar')) ?? '');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n@id("reload-forbid")\n@reason("closed by the reload test")\nforbid(principal, action == Action::"payments.get", resource);\n`);
    // Wait (no timing assertion) until the new revision serves.
    while (running.app.bundle()?.revision === before) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(running.app.bundle()?.offThread).toBeDefined();
    const answers = await Promise.all(Array.from({ length: 20 }, () => client.check(request)));
    for (const res of answers) expect(reasonOf(res)).toBe('ERR_POLICY_DENIED');
  }, 30_000);
});
