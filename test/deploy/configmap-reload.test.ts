/**
 * Policies from a Kubernetes ConfigMap volume: the kubelet writes each version into a new `..<timestamp>`
 * directory, points the `..data` symlink at it with an atomic rename, and the files at the top are links
 * through `..data`. This test lays the bundle out the same way, performs the same swap against a running
 * callgate (watching the directory, as deploy/kubernetes/base/callgate.yaml configures it) and expects the
 * new policies to decide the next call.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, type RunningApp } from '../support/app-harness';
import { connectCheckClient, envoyCheckRequest, type CheckClient } from '../support/check-client';
import { REPO_ROOT } from './support/compose-file';

/** The files of the callgate-policies ConfigMap (deploy/kubernetes/base/kustomization.yaml). */
const CONFIGMAP_FILES = path.join(REPO_ROOT, 'deploy', 'kubernetes', 'base', 'policies');
const alice = { iss: 'https://idp.example.com', sub: 'alice', groups: ['payments-team'] };
const getPayment = envoyCheckRequest({
  path: '/functions/payments.get', body: '{"paymentId":"p-1"}', jwtPayload: alice,
  contextExtensions: { protocol: 'http', server: 'payments', path: '/functions/{function}' },
});

/** Writes one ConfigMap version the way the kubelet's atomic writer names it. */
function writeVersion(dir: string, stamp: string, edit: (files: Map<string, string>) => void): string {
  const name = `..${stamp}`;
  const files = new Map(readdirSync(CONFIGMAP_FILES).map((f) => [f, readFileSync(path.join(CONFIGMAP_FILES, f), 'utf8')]));
  edit(files);
  mkdirSync(path.join(dir, name));
  for (const [file, text] of files) writeFileSync(path.join(dir, name, file), text);
  return name;
}

async function until(probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('policies from a ConfigMap volume', () => {
  let dir: string;
  let running: RunningApp;
  let client: CheckClient;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'callgate-configmap-'));
    const first = writeVersion(dir, '2026_11_25_10_00_00.000000001', () => undefined);
    symlinkSync(first, path.join(dir, '..data'));
    for (const file of readdirSync(path.join(dir, first))) symlinkSync(path.join('..data', file), path.join(dir, file));
    running = await startApp({ policies: dir, watch_policies: 'true', reload_debounce_ms: '50' });
    client = connectCheckClient(running.grpc);
  });
  afterAll(async () => {
    client?.close();
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reloads when the ..data symlink is swapped to a new version, and the new policies decide', async () => {
    const before = running.app.bundle()?.revision;
    expect((await client.check(getPayment)).status?.code).toBe(0);

    // The update removes payments-read, so the same call is no longer permitted.
    const second = writeVersion(dir, '2026_11_25_10_05_00.000000002', (files) => {
      files.set('payments.cedar', (files.get('payments.cedar') ?? '').replace(/@id\("payments-read"\)[\s\S]*?\);\n/, ''));
    });
    const old = readdirSync(dir).find((f) => f.startsWith('..2026_11_25_10_00'));
    symlinkSync(second, path.join(dir, '..data_tmp'));
    renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    rmSync(path.join(dir, String(old)), { recursive: true });

    expect(await until(async () => running.app.bundle()?.revision !== before)).toBe(true);
    expect((await client.check(getPayment)).status?.code).not.toBe(0);
    expect(running.app.bundle()?.policyIds).not.toContain('payments-read');
  });
});
