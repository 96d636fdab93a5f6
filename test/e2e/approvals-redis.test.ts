/**
 * Several replicas, one approval: two real callgate processes (`bin/callgate.js serve`, needs `npm run
 * build`) share a real Redis as approval store, each behind its own Envoy emulation, in front of one
 * upstream. A pending approval created through one replica is decided through the ApprovalService on the
 * same Redis; concurrent retries spread over both replicas reach the function exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { createApprovals } from '../../src/approvals/approval-service';
import { openRedisStore } from '../../src/approvals/redis-store';
import { startTestRedis, type TestRedis } from '../support/redis';
import { startUpstream, type Upstream } from '../support/upstream';
import { startEnvoyEmulator, emulatorOptionsFromEnvoyConfig, simulatedJwtAuthn, verifiedClaimsHeader, type EnvoyEmulator } from '../support/envoy-emulator';

const root = path.join(__dirname, '../..');
const deployBot = { iss: 'https://idp.example.com', sub: 'deploy-bot', azp: 'deploy-bot', groups: ['platform-admins'] };

interface Replica {
  readonly child: ChildProcess;
  readonly grpc: string;
}

function startReplica(redisUrl: string): Promise<Replica> {
  const args = [
    path.join(root, 'bin/callgate.js'), 'serve',
    '--policies', path.join(root, 'policies'),
    '--listen-grpc', '127.0.0.1:0', '--listen-http', '127.0.0.1:0',
    '--watch-policies', 'false', '--audit-sink', 'none',
    '--approvals-store', redisUrl,
  ];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('callgate did not start')), 20_000);
    const lines: string[] = [];
    readline.createInterface({ input: child.stderr! }).on('line', (line) => {
      lines.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; grpc?: string };
        if (entry.msg === 'callgate serving' && entry.grpc !== undefined) {
          clearTimeout(timer);
          resolve({ child, grpc: entry.grpc });
        }
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`callgate exited with ${code}: ${lines.join('\n')}`));
    });
  });
}

function stopReplica(replica: Replica): Promise<void> {
  return new Promise((resolve) => {
    if (replica.child.exitCode !== null) return resolve();
    replica.child.once('exit', () => resolve());
    replica.child.kill('SIGTERM');
  });
}

function callTool(envoy: EnvoyEmulator, args: object): Promise<Response> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete_repo', arguments: args } });
  return fetch(`${envoy.url}/mcp`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18',
      ...verifiedClaimsHeader(deployBot),
    },
  });
}

describe('two callgate replicas sharing Redis', () => {
  let redis: TestRedis;
  let upstream: Upstream;
  const replicas: Replica[] = [];
  const envoys: EnvoyEmulator[] = [];

  beforeAll(async () => {
    redis = await startTestRedis(2);
    await redis.flush();
    upstream = await startUpstream();
    replicas.push(...(await Promise.all([startReplica(redis.url), startReplica(redis.url)])));
    for (const replica of replicas) {
      const options = emulatorOptionsFromEnvoyConfig(path.join(root, 'envoy/sidecar.yaml'), { authzAddress: replica.grpc, upstream: upstream.url });
      envoys.push(
        await startEnvoyEmulator({
          ...options,
          timeoutMs: 5000,
          metadataContext: simulatedJwtAuthn,
        }),
      );
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all(envoys.map((e) => e.close()));
    await Promise.all(replicas.map(stopReplica));
    await upstream?.close();
    await redis?.stop();
  });

  it('consumes one approval exactly once under concurrent retries through both replicas', async () => {
    const [a, b] = envoys as [EnvoyEmulator, EnvoyEmulator];
    const first = (await (await callTool(a, { repo: 'acme/shared' })).json()) as { result: { structuredContent: { approval_id: string } } };
    const id = first.result.structuredContent.approval_id;
    // the other replica finds the same pending approval for the same call
    const second = (await (await callTool(b, { repo: 'acme/shared' })).json()) as { result: { structuredContent: { approval_id: string } } };
    expect(second.result.structuredContent.approval_id).toBe(id);

    const store = openRedisStore(redis.url);
    const service = createApprovals({
      store, ttlSeconds: 900, publicUrl: () => 'http://approvals.test', ancestorsOf: () => [], now: () => new Date(), newId: () => 'unused',
      record: () => undefined, holdPollMs: 50, sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
    try {
      expect(await service.decide(id, { principal: { type: 'User', id: 'carol' }, groups: [{ type: 'Group', id: 'oncall' }] }, 'approve', 'ok')).toMatchObject({ kind: 'decided' });
      const retries = await Promise.all(Array.from({ length: 16 }, (_, i) => callTool(i % 2 === 0 ? a : b, { repo: 'acme/shared' })));
      const bodies = await Promise.all(retries.map(async (r) => ({ status: r.status, text: await r.text() })));
      const through = bodies.filter((r) => !r.text.includes('approval_required'));
      expect(through).toHaveLength(1);
      expect(upstream.received.filter((r) => r.body.includes('acme/shared'))).toHaveLength(1);
      expect(await service.get(id)).toMatchObject({ status: 'consumed' });
    } finally {
      await service.close();
    }
  });
});
