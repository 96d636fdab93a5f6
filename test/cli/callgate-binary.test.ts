/** The `callgate` binary as a user runs it (needs `npm run build`, which `npm test` does first). */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createAuditSink } from '../../src/audit/audit-sink';
import { fileSettings, writeKeyPair } from '../support/audit-files';
import type { AuditRecord } from '../../src/audit/audit-record';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.join(__dirname, '../..');
const bin = path.join(root, 'bin/callgate.js');

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000 });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('callgate binary', () => {
  let broken: string;
  beforeAll(() => {
    if (!existsSync(path.join(root, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
    broken = mkdtempSync(path.join(os.tmpdir(), 'callgate-broken-'));
    cpSync(path.join(root, 'policies'), broken, { recursive: true });
    writeFileSync(path.join(broken, 'extra.cedar'), 'permit (principal, action, resource);\n');
  });
  afterAll(() => rmSync(broken, { recursive: true, force: true }));

  it('prints help listing every config flag with its env var', () => {
    const r = run(['serve', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--listen-grpc');
    expect(r.stdout).toContain('CALLGATE_IDENTITY_JWT_AUTHN_PAYLOAD_KEY');
  });

  it('validates the example bundle (exit 0) and reports a broken one with file:line (exit 1)', () => {
    const ok = run(['validate', 'policies']);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ok: policies: \d+ policies, revision [0-9a-f]{16}/);
    const bad = run(['validate', broken]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/extra\.cedar:1:1/);
  });

  it('refuses to start on an invalid bundle (exit 3) and on invalid config (exit 2)', () => {
    const r = run(['serve', '--policies', broken, '--listen-grpc', '127.0.0.1:0', '--listen-http', '127.0.0.1:0']);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('extra.cedar');
    const c = run(['serve', '--listen-grpc', 'nowhere'], { CALLGATE_LIMITS_MAX_JSON_DEPTH: 'deep' });
    expect(c.status).toBe(2);
    expect(c.stderr).toContain('listen.grpc');
    expect(c.stderr).toContain('CALLGATE_LIMITS_MAX_JSON_DEPTH');
  });

  it('verifies an audit file (exit 0) and reports an edited record (exit 1)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'callgate-audit-'));
    const file = path.join(dir, 'audit.jsonl');
    const keys = writeKeyPair(dir);
    const other = writeKeyPair(dir, 'other');
    const sink = createAuditSink(fileSettings(file, { signingKey: keys.privateKey, everyRecords: 2 }));
    for (const id of ['a', 'b', 'c']) sink.write({ decision_id: id, decision: 'allow' } as unknown as AuditRecord);
    sink.close();
    const ok = run(['audit', 'verify', file, '--public-key', keys.publicKey]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('ok: 3 records, 2 checkpoints, chain intact, signatures valid');
    const foreign = run(['audit', 'verify', '--public-key', other.publicKey, file]);
    expect(foreign.status).toBe(1);
    expect(foreign.stderr).toMatch(/audit\.jsonl:3: foreign-key/);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"b"', '"B"'));
    const bad = run(['audit', 'verify', file]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/audit\.jsonl:2: edited: .*\(decision_id B\)/);
    rmSync(dir, { recursive: true, force: true });
  });

  // bin/callgate.js passes runCli an onServing hook (it sets V8's default tier-up budget back, bin/v8-flags.js).
  const hookProbe = (policies: string, http: number): string => `
    const { runCli } = require(${JSON.stringify(path.join(root, 'dist/cli/main.js'))});
    let calls = 0;
    runCli(['serve', '--policies', ${JSON.stringify(policies)}, '--listen-grpc', '127.0.0.1:0', '--listen-http', '127.0.0.1:${http}', '--watch-policies', 'false', '--log-level', 'error'], {
      onServing: () => {
        calls += 1;
        fetch('http://127.0.0.1:${http}/readyz').then((r) => { process.stdout.write('onServing ' + calls + ' readyz ' + r.status + '\\n'); process.kill(process.pid, 'SIGTERM'); });
      },
    });`;

  it('calls the onServing hook once serve serves (readyz already 200), and not when the start fails', async () => {
    const served = spawnSync(process.execPath, ['-e', hookProbe(path.join(root, 'policies'), await freePort())], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    expect(served.stdout).toBe('onServing 1 readyz 200\n');
    expect(served.status).toBe(0);
    const refused = spawnSync(process.execPath, ['-e', hookProbe(broken, await freePort())], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    expect(refused.status).toBe(3);
    expect(refused.stdout).toBe('');
  });

  it('serves, becomes ready, and shuts down cleanly on SIGTERM', async () => {
    const http = await freePort();
    const child = spawn(process.execPath, [bin, 'serve', '--listen-grpc', '127.0.0.1:0', '--listen-http', `127.0.0.1:${http}`, '--watch-policies', 'false'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let ready = 0;
    for (let i = 0; i < 100 && ready !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ready = await fetch(`http://127.0.0.1:${http}/readyz`).then((r) => r.status, () => 0);
    }
    expect(ready).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('callgate stopped');
  });
});
