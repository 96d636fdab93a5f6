import { cpSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync, appendFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nextPollDelay, POLL_SHARE, watchBundle } from '../../../src/policy/bundle-watcher';
import { loadBundle } from '../../../src/policy/load-bundle';
import type { BundleProblem, PolicyBundle } from '../../../src/policy/types';
import { context, principal } from './authorization-inputs';

const VALID = join(__dirname, '../../fixtures/bundles/valid');
const dirs: string[] = [];
const closers: { close(): Promise<void> }[] = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((w) => w.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'callgate-watch-'));
  dirs.push(dir);
  cpSync(VALID, dir, { recursive: true });
  return dir;
}

function recorder() {
  const loaded: PolicyBundle[] = [];
  const rejected: (readonly BundleProblem[])[] = [];
  const waiters: (() => void)[] = [];
  const notify = () => waiters.splice(0).forEach((w) => w());
  return {
    loaded,
    rejected,
    events: { onLoaded: (b: PolicyBundle) => (loaded.push(b), notify()), onRejected: (p: readonly BundleProblem[]) => (rejected.push(p), notify()) },
    async until(check: () => boolean, ms = 5000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!check()) {
        if (Date.now() > deadline) throw new Error('timed out waiting for a watcher event');
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ping = (b: PolicyBundle) => b.evaluate({ principal: principal('User', 'u'), requestEntities: [], action: 'ping', resource: 'orders', context: context({}, { kind: 'human' }) });

describe('watchBundle', () => {
  it('loads a changed bundle into a new generation while the old one keeps its own policies', async () => {
    const dir = tempCopy();
    const first = await loadBundle(dir);
    if (first.kind !== 'loaded') throw new Error('must load');
    const rec = recorder();
    closers.push(watchBundle(dir, rec.events, { debounceMs: 30, pollMs: 0, currentRevision: first.bundle.revision }));
    writeFileSync(join(dir, 'nested', 'guard.cedar'), '@id("no-ping")\n@reason("closed")\nforbid (principal, action == Action::"ping", resource);\n@id("ping-anyone")\npermit (principal, action == Action::"ping", resource);\n');
    await rec.until(() => rec.loaded.length === 1);
    const second = rec.loaded[0] as PolicyBundle;
    expect(second.revision).not.toBe(first.bundle.revision);
    expect(ping(second)).toMatchObject({ kind: 'deny', code: 'ERR_POLICY_DENIED', reason: 'closed' });
    expect(ping(first.bundle)).toMatchObject({ kind: 'allow', decidingPolicies: ['ping-anyone'] });

    // a second change goes to the other generation; the bundle serving now is untouched until the swap
    appendFileSync(join(dir, 'orders.cedar'), '\n@id("extra")\npermit (principal, action == Action::"orders.get", resource);\n');
    await rec.until(() => rec.loaded.length === 2);
    expect(rec.loaded[1]?.policyIds).toContain('extra');
    expect(ping(second)).toMatchObject({ code: 'ERR_POLICY_DENIED' });
    expect(rec.rejected).toHaveLength(0);
  });

  it('rejects a broken change, keeps quiet until the files change again, then loads the fix', async () => {
    const dir = tempCopy();
    const rec = recorder();
    closers.push(watchBundle(dir, rec.events, { debounceMs: 30, pollMs: 100 }));
    await sleep(100);
    writeFileSync(join(dir, 'broken.cedar'), 'permit (principal, action == Action::"ping", resource);\n');
    await rec.until(() => rec.rejected.length === 1);
    expect(rec.rejected[0]?.[0]).toMatchObject({ code: 'missing-id', file: 'broken.cedar', line: 1 });
    await sleep(350); // several polls: the same broken revision is not reported again
    expect(rec.rejected).toHaveLength(1);
    expect(rec.loaded).toHaveLength(0);
    writeFileSync(join(dir, 'broken.cedar'), '@id("fixed")\npermit (principal, action == Action::"ping", resource);\n');
    await rec.until(() => rec.loaded.length === 1);
    expect(rec.loaded[0]?.policyIds).toContain('fixed');
  });

  it('does not reload when the revision is unchanged', async () => {
    const dir = tempCopy();
    const rec = recorder();
    closers.push(watchBundle(dir, rec.events, { debounceMs: 20, pollMs: 50 }));
    await sleep(100);
    const file = join(dir, 'orders.cedar');
    utimesSync(file, new Date(), new Date());
    writeFileSync(join(dir, 'README.md'), 'not part of the bundle');
    await sleep(300);
    expect(rec.loaded).toHaveLength(0);
    expect(rec.rejected).toHaveLength(0);
  });

  it('follows a Kubernetes ConfigMap style ..data symlink swap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callgate-cm-'));
    dirs.push(dir);
    cpSync(VALID, join(dir, '..v1'), { recursive: true });
    rmSync(join(dir, '..v1', 'nested'), { recursive: true });
    writeFileSync(join(dir, '..v1', 'guard.cedar'), '@id("ping-anyone")\npermit (principal, action == Action::"ping", resource);\n');
    symlinkSync('..v1', join(dir, '..data'));
    for (const name of readdirSync(join(dir, '..v1'))) symlinkSync(join('..data', name), join(dir, name));
    const first = await loadBundle(dir);
    if (first.kind !== 'loaded') throw new Error('must load');
    expect(first.bundle.policyIds).toEqual(['ping-anyone', 'staff-read', 'support-cancel-small']);

    const rec = recorder();
    closers.push(watchBundle(dir, rec.events, { debounceMs: 30, pollMs: 0, currentRevision: first.bundle.revision }));
    mkdirSync(join(dir, '..v2'));
    cpSync(join(dir, '..v1'), join(dir, '..v2'), { recursive: true });
    writeFileSync(join(dir, '..v2', 'guard.cedar'), '@id("ping-closed")\nforbid (principal, action == Action::"ping", resource);\n');
    symlinkSync('..v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    await rec.until(() => rec.loaded.length === 1);
    expect(rec.loaded[0]?.policyIds).toEqual(['ping-closed', 'staff-read', 'support-cancel-small']);
  });
});

describe('nextPollDelay', () => {
  it('keeps the configured interval while polls are quick', () => {
    expect(nextPollDelay(5000, 3)).toBe(5000);
    expect(nextPollDelay(5000, 5000 / POLL_SHARE)).toBe(5000);
  });

  it('waits POLL_SHARE times as long as a slow poll took (large bundles)', () => {
    expect(nextPollDelay(5000, 250)).toBe(250 * POLL_SHARE);
    expect(nextPollDelay(0.5, 0.0101)).toBe(2);
  });
});
