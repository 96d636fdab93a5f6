/**
 * One behaviour for every ApprovalStore: the embedded SQLite file and Redis (a real redis-server) pass the
 * same cases: find-or-create by fingerprint, decide only while pending, single-use consume under
 * concurrency, expiry, and persistence across a reopen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../../src/approvals/sqlite-store';
import { openRedisStore } from '../../../src/approvals/redis-store';
import type { Approval, ApprovalStore } from '../../../src/approvals/types';
import { startTestRedis, type TestRedis } from '../../support/redis';

const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

let seq = 0;
function candidate(fingerprint: string, ttlSeconds = 900, over: Partial<Approval> = {}): Approval {
  seq += 1;
  return {
    id: `ap-${seq}-${fingerprint}`,
    status: 'pending',
    fingerprint,
    principal: { type: 'Service', id: 'deploy-bot' },
    function: 'delete_repo',
    server: 'tools',
    policyId: 'non-interactive-needs-approval',
    approverGroup: { type: 'Group', id: 'oncall' },
    maskedInput: { repo: 'acme/web', tags: [], card: '[REDACTED:pan]' },
    createdAt: T0.toISOString(),
    expiresAt: at(ttlSeconds).toISOString(),
    ...over,
  };
}
const alice = { type: 'User', id: 'alice' };

interface Backend {
  readonly name: string;
  setup(): Promise<void>;
  open(): Promise<ApprovalStore>;
  reset(): Promise<void>;
  teardown(): Promise<void>;
}

function sqliteBackend(): Backend {
  let dir = '';
  return {
    name: 'sqlite',
    setup: async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'callgate-approvals-'));
    },
    open: async () => openSqliteStore(path.join(dir, 'data', 'approvals.db')),
    reset: async () => rmSync(path.join(dir, 'data'), { recursive: true, force: true }),
    teardown: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function redisBackend(): Backend {
  let redis: TestRedis | undefined;
  return {
    name: 'redis',
    setup: async () => {
      redis = await startTestRedis(1);
    },
    open: async () => openRedisStore(redis!.url),
    reset: async () => redis!.flush(),
    teardown: async () => redis?.stop(),
  };
}

describe.each([sqliteBackend(), redisBackend()])('ApprovalStore conformance: $name', (backend) => {
  let store: ApprovalStore;
  beforeAll(() => backend.setup(), 20_000);
  afterAll(() => backend.teardown());
  beforeEach(async () => {
    await backend.reset();
    store = await backend.open();
  });
  afterEach(() => store.close());

  it('creates a pending approval once per fingerprint and finds it again', async () => {
    const first = await store.findOrCreate(candidate('fp-a'), T0);
    expect(first.created).toBe(true);
    expect(first.approval).toMatchObject({ status: 'pending', fingerprint: 'fp-a', maskedInput: { repo: 'acme/web', tags: [] } });
    const again = await store.findOrCreate(candidate('fp-a'), at(10));
    expect(again).toEqual({ approval: first.approval, created: false });
    const other = await store.findOrCreate(candidate('fp-b'), at(10));
    expect(other.created).toBe(true);
    expect(other.approval.id).not.toBe(first.approval.id);
    expect(await store.get(first.approval.id)).toEqual(first.approval);
    expect(await store.get('nope')).toBeUndefined();
  });

  it('gives concurrent requests for one call the same approval', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => store.findOrCreate(candidate('fp-race'), T0)));
    expect(new Set(results.map((r) => r.approval.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it('lists pending approvals, oldest first, without decided or expired ones', async () => {
    const a = await store.findOrCreate(candidate('fp-1', 900), T0);
    const b = await store.findOrCreate(candidate('fp-2', 60, { createdAt: at(1).toISOString() }), at(1));
    const c = await store.findOrCreate(candidate('fp-3', 900, { createdAt: at(2).toISOString() }), at(2));
    await store.decide(c.approval.id, { status: 'rejected', decidedBy: alice, reason: 'no' }, at(3));
    expect((await store.listPending(at(5))).map((x) => x.id)).toEqual([a.approval.id, b.approval.id]);
    expect((await store.listPending(at(120))).map((x) => x.id)).toEqual([a.approval.id]);
  });

  it('decides only while pending and unexpired, recording who, when and why', async () => {
    const { approval } = await store.findOrCreate(candidate('fp-d', 60), T0);
    const decided = await store.decide(approval.id, { status: 'approved', decidedBy: alice, reason: 'looks fine' }, at(5));
    expect(decided).toEqual({ kind: 'changed', approval: expect.objectContaining({ status: 'approved', decidedBy: alice, decidedAt: at(5).toISOString(), reason: 'looks fine' }) });
    const twice = await store.decide(approval.id, { status: 'rejected', decidedBy: alice, reason: 'changed my mind' }, at(6));
    expect(twice).toEqual({ kind: 'unchanged', current: expect.objectContaining({ status: 'approved' }) });
    const late = await store.findOrCreate(candidate('fp-late', 60), T0);
    expect(await store.decide(late.approval.id, { status: 'approved', decidedBy: alice, reason: '' }, at(61))).toMatchObject({ kind: 'unchanged' });
    expect(await store.decide('missing', { status: 'approved', decidedBy: alice, reason: '' }, at(1))).toEqual({ kind: 'unchanged', current: undefined });
  });

  it('consumes an approved approval exactly once, even under concurrent attempts', async () => {
    const { approval } = await store.findOrCreate(candidate('fp-c'), T0);
    expect(await store.consume(approval.id, at(1))).toMatchObject({ kind: 'unchanged' }); // still pending
    await store.decide(approval.id, { status: 'approved', decidedBy: alice, reason: 'ok' }, at(2));
    const found = await store.findOrCreate(candidate('fp-c'), at(3));
    expect(found).toMatchObject({ created: false, approval: { id: approval.id, status: 'approved' } });
    const attempts = await Promise.all(Array.from({ length: 20 }, () => store.consume(approval.id, at(4))));
    expect(attempts.filter((r) => r.kind === 'changed')).toHaveLength(1);
    expect(await store.get(approval.id)).toMatchObject({ status: 'consumed', consumedAt: at(4).toISOString() });
    // a consumed approval is not live: the same call needs a new one
    const next = await store.findOrCreate(candidate('fp-c'), at(5));
    expect(next.created).toBe(true);
    expect(next.approval.id).not.toBe(approval.id);
  });

  it('never consumes a rejected or expired approval', async () => {
    const rejected = await store.findOrCreate(candidate('fp-r'), T0);
    await store.decide(rejected.approval.id, { status: 'rejected', decidedBy: alice, reason: 'no' }, at(1));
    expect(await store.consume(rejected.approval.id, at(2))).toMatchObject({ kind: 'unchanged' });
    const short = await store.findOrCreate(candidate('fp-x', 10), T0);
    await store.decide(short.approval.id, { status: 'approved', decidedBy: alice, reason: 'ok' }, at(1));
    expect(await store.consume(short.approval.id, at(10))).toMatchObject({ kind: 'unchanged' });
  });

  it('expires pending and approved approvals past their time, once', async () => {
    const p = await store.findOrCreate(candidate('fp-e1', 10), T0);
    const a = await store.findOrCreate(candidate('fp-e2', 10), T0);
    const keep = await store.findOrCreate(candidate('fp-e3', 100), T0);
    await store.decide(a.approval.id, { status: 'approved', decidedBy: alice, reason: 'ok' }, at(1));
    expect(await store.expire(at(5))).toEqual([]);
    const expired = await store.expire(at(10));
    expect(expired.map((x) => x.id).sort()).toEqual([p.approval.id, a.approval.id].sort());
    expect(expired.every((x) => x.status === 'expired')).toBe(true);
    expect(await store.expire(at(11))).toEqual([]);
    expect(await store.get(keep.approval.id)).toMatchObject({ status: 'pending' });
    // an expired approval is not found for its call any more
    expect((await store.findOrCreate(candidate('fp-e1', 10), at(12))).created).toBe(true);
  });

  it('keeps pending approvals across a reopen (restart)', async () => {
    const { approval } = await store.findOrCreate(candidate('fp-keep'), T0);
    await store.close();
    store = await backend.open();
    expect(await store.get(approval.id)).toEqual(approval);
    expect((await store.listPending(at(1))).map((x) => x.id)).toEqual([approval.id]);
  });
});
