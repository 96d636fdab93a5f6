/**
 * Hot reload as a user meets it: callgate serving a bundle directory; a broken policy file on disk keeps
 * the old bundle serving and is counted in /metrics; a valid change is swapped in.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, type RunningApp } from '../support/app-harness';
import { connectCheckClient, envoyCheckRequest, type CheckClient } from '../support/check-client';

const alice = { iss: 'https://idp.example.com', sub: 'alice', groups: ['payments-team'] };
const getPayment = envoyCheckRequest({
  path: '/functions/payments.get', body: '{"paymentId":"p-1"}', jwtPayload: alice,
  contextExtensions: { protocol: 'http', server: 'payments', path: '/functions/{function}' },
});

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('policy hot reload', () => {
  let dir: string;
  let running: RunningApp;
  let client: CheckClient;
  const metrics = async () => (await fetch(`http://${running.http}/metrics`)).text();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'callgate-bundle-'));
    cpSync(path.join(__dirname, '../../policies'), dir, { recursive: true });
    running = await startApp({ policies: dir, watch_policies: 'true', reload_debounce_ms: '50' });
    client = connectCheckClient(running.grpc);
  });
  afterAll(async () => {
    client.close();
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps serving the last good bundle when a policy file breaks, and counts the failed reload', async () => {
    const revision = running.app.bundle()?.revision;
    expect((await client.check(getPayment)).status?.code).toBe(0);

    const file = path.join(dir, 'payments.cedar');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, `${good}\npermit (principal, action, resource) when { context.nope.missing };\n`);
    const text = await until(metrics, (m) => /callgate_bundle_reloads_total\{result="rejected"\} 1/.test(m));
    expect(text).toMatch(/callgate_bundle_reloads_total\{result="rejected"\} 1/);
    expect(running.app.bundle()?.revision).toBe(revision);
    expect((await client.check(getPayment)).status?.code).toBe(0);
    expect(running.logs.some((l) => String(l.msg).includes('rejected') && String(l.problems).includes('payments.cedar'))).toBe(true);

    // A valid change (payments-read removed) is swapped in: the same call is now denied.
    writeFileSync(file, good.replace(/@id\("payments-read"\)[\s\S]*?\);\n/, ''));
    await until(async () => running.app.bundle()?.revision, (r) => r !== revision);
    expect(running.app.bundle()?.revision).not.toBe(revision);
    const denied = await client.check(getPayment);
    expect(denied.status?.code).not.toBe(0);
    expect(await metrics()).toMatch(/callgate_bundle_reloads_total\{result="loaded"\} 2/);
  });
});
