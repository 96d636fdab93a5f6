/**
 * Preparsed slices bounded by engine.max_prepared_policies: least recently used slices make room, a slot
 * of cedar-wasm's cache is reused only with its new slice's policies, the warm-up never pushes a slice
 * out, and a bounded bundle decides exactly as an unbounded one.
 */
import { join } from 'node:path';
import { statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import { prepareEngine, type PreparedSlice } from '../../../src/policy/prepare-engine';
import { toBundlePolicyIds } from '../../../src/policy/slice-policy-ids';
import { loadBundle, prepareBundle, readBaseSchema } from '../../../src/policy/load-bundle';
import { validateBundleFiles } from '../../../src/policy/validate-bundle';
import { readBundleFiles } from '../../../src/policy/bundle-files';
import { createEvaluationPool } from '../../../src/policy/evaluation-pool';
import type { AuthorizationInput, PolicyBundle } from '../../../src/policy/types';
import { context, decimal, input, principal } from './authorization-inputs';

const policyText = (i: number): string => `@id("p${i}")\npermit (principal, action == Action::"a${i}", resource);`;
const SLICES = [['p0'], ['p1'], ['p2']];

function counter(): { textOf: (id: string) => string | undefined; reads: string[] } {
  const reads: string[] = [];
  return { reads, textOf: (id) => (reads.push(id), /^p\d$/.test(id) ? policyText(Number(id.slice(1))) : undefined) };
}

/** The policy that decides action a<i> when evaluated against the preparsed id. */
function decidingPolicy(slice: PreparedSlice | undefined, i: number): readonly string[] {
  if (slice === undefined) throw new Error('slice not prepared');
  const answer = toBundlePolicyIds(statefulIsAuthorized({
    principal: { type: 'User', id: 'u' },
    action: { type: 'Action', id: `a${i}` },
    resource: { type: 'Server', id: 's' },
    context: {},
    validateRequest: false,
    preparsedPolicySetId: slice.id,
    entities: [],
  }), slice.policyIds);
  if (answer.type !== 'success') throw new Error('evaluation failed');
  return answer.response.diagnostics.reason;
}

describe('prepareEngine', () => {
  it('without a limit preparses each slice once and keeps it', () => {
    const { textOf, reads } = counter();
    const engine = prepareEngine('t-unbounded', SLICES, textOf);
    const ids = [0, 1, 2].map((i) => engine.slice(i)?.id);
    expect(new Set(ids).size).toBe(3);
    expect([0, 1, 2].map((i) => engine.slice(i)?.id)).toEqual(ids);
    expect(reads).toEqual(['p0', 'p1', 'p2']);
    expect(engine.progress()).toEqual({ total: 3, prepared: 3, pending: 3 });
  });

  it('sliceWithoutEvicting gives a held slice without touching its recency, fills free room, and never pushes a slice out', () => {
    const { textOf, reads } = counter();
    const engine = prepareEngine('t-no-evict', SLICES, textOf, { maxPreparedPolicies: 2 });
    expect(decidingPolicy(engine.sliceWithoutEvicting(0), 0)).toEqual(['p0']); // free room: preparsed
    engine.slice(1);
    expect(engine.sliceWithoutEvicting(2)).toBeUndefined(); // full: 2 is not preparsed, nothing pushed out
    expect(reads).toEqual(['p0', 'p1']);
    expect(engine.sliceWithoutEvicting(0)?.id).toBe(engine.sliceWithoutEvicting(0)?.id); // held: no new preparse
    engine.slice(2); // 0 is still the least recently used (the peeks did not refresh it), so it goes
    expect(reads).toEqual(['p0', 'p1', 'p2']);
    expect(engine.sliceWithoutEvicting(0)).toBeUndefined();
    expect(decidingPolicy(engine.sliceWithoutEvicting(1), 1)).toEqual(['p1']);
  });

  it('with a limit drops the least recently used slice and preparses it again on its next call', () => {
    const { textOf, reads } = counter();
    const engine = prepareEngine('t-lru', SLICES, textOf, { maxPreparedPolicies: 2 });
    const id0 = engine.slice(0);
    engine.slice(1);
    engine.slice(0); // 0 is now more recent than 1
    engine.slice(2); // pushes out 1
    expect(engine.progress().prepared).toBe(2);
    expect(reads).toEqual(['p0', 'p1', 'p2']);
    expect(engine.slice(0)).toBe(id0); // still held
    const again = engine.slice(1); // a miss: preparsed again, into a reused slot
    expect(reads).toEqual(['p0', 'p1', 'p2', 'p1']);
    // Every id answers with its own slice's policies, after slots were reused.
    for (let round = 0; round < 3; round += 1) {
      for (const i of [2, 0, 1, 2, 1, 0]) expect(decidingPolicy(engine.slice(i), i)).toEqual([`p${i}`]);
    }
    expect(decidingPolicy(again, 1)).toEqual(['p1']);
    expect(engine.progress().prepared).toBe(2);
  });

  it('serves a slice larger than the limit (alone)', () => {
    const { textOf } = counter();
    const engine = prepareEngine('t-big', [['p0', 'p1', 'p2'], ['p3']], textOf, { maxPreparedPolicies: 2 });
    expect(decidingPolicy(engine.slice(0), 1)).toEqual(['p1']);
    expect(decidingPolicy(engine.slice(1), 3)).toEqual(['p3']);
    expect(engine.progress().prepared).toBe(1);
  });

  it('numbers the policies of a slice in slice order, even after a text that ends in a line comment', () => {
    const texts: Record<string, string> = {
      z: 'permit (principal, action == Action::"a0", resource); // a trailing comment',
      a: 'forbid (principal, action == Action::"a1", resource);',
      m: 'permit (principal, action in [Action::"a1", Action::"a2"], resource);',
    };
    const engine = prepareEngine('t-order', [['z', 'a', 'm']], (id) => texts[id]);
    expect(decidingPolicy(engine.slice(0), 0)).toEqual(['z']);
    expect(decidingPolicy(engine.slice(0), 1)).toEqual(['a']);
    expect(decidingPolicy(engine.slice(0), 2)).toEqual(['m']);
  });

  it('warms up only into free room, never pushing a slice out', () => {
    const { textOf, reads } = counter();
    const engine = prepareEngine('t-warm', SLICES, textOf, { maxPreparedPolicies: 2 });
    expect(engine.prepareNext(0)).toBe(3);
    expect(engine.prepareNext(1)).toBe(2);
    expect(engine.prepareNext(10)).toBe(0); // stopped: no room for slice 2
    expect(engine.progress()).toEqual({ total: 3, prepared: 2, pending: 0 });
    engine.slice(0);
    engine.slice(1);
    expect(reads).toEqual(['p0', 'p1']); // both hits
  });

  it('fails closed when a policy text is missing or Cedar refuses the slice', () => {
    const { textOf } = counter();
    const engine = prepareEngine('t-fail', [['p0', 'gone'], ['p1']], textOf);
    expect(engine.slice(0)).toBeUndefined();
    expect(engine.slice(0)).toBeUndefined();
    expect(engine.slice(1)).toBeDefined();
    const broken = prepareEngine('t-broken', [['x']], () => 'permit (principal, action, resource) when { nope };');
    expect(broken.slice(0)).toBeUndefined();
  });
});

describe('a bundle with engine.max_prepared_policies decides as one without', () => {
  const EXAMPLE = join(__dirname, '../../../policies');
  const load = async (maxPreparedPolicies?: number): Promise<PolicyBundle> => {
    const result = await loadBundle(EXAMPLE, maxPreparedPolicies === undefined ? {} : { maxPreparedPolicies });
    if (result.kind !== 'loaded') throw new Error('example bundle must load');
    return result.bundle;
  };
  const calls: AuthorizationInput[] = [];
  const users = [
    { who: principal('User', 'alice', ['payments-team']), kind: 'human' as const },
    { who: principal('User', 'bob', ['engineering']), kind: 'human' as const },
    { who: principal('Service', 'ci', []), kind: 'service' as const },
    { who: principal('Agent', 'bot', ['agents']), kind: 'agent' as const },
  ];
  const actions: [string, Record<string, unknown>][] = [
    ['payments.get', { paymentId: 'p-1' }],
    ['payments.refund', { amount: decimal('20.00'), orderId: 'o-1', reason: 'x' }],
    ['payments.charge', { amount: decimal('500.01'), currency: 'EUR', customerId: 'c', description: 'd' }],
    ['search_issues', { query: 'q', repo: 'acme/app' }],
    ['read_file', { path: 'app/.env' }],
    ['delete_repo', { repo: 'acme/app' }],
    ['run_sql', { query: 'select 1' }],
    ['mcp:tools/list', {}],
  ];
  for (let i = 0; i < 96; i += 1) {
    const [action, args] = actions[(i * 5) % actions.length] ?? ['mcp:ping', {}];
    const user = users[i % users.length];
    if (user === undefined) continue;
    calls.push(input(user.who, action, i % 3 === 0 ? 'payments' : 'tools', context(args as never, { kind: user.kind }, i % 7 === 0)));
  }

  it.each([1, 3, 10])('limit %i policies: same decisions over calls that keep switching functions', async (limit) => {
    const unbounded = await load();
    const bounded = await load(limit);
    const expected = calls.map((c) => unbounded.evaluate(c));
    expect(expected.filter((d) => d.kind === 'allow').length).toBeGreaterThan(5);
    expect(calls.map((c) => bounded.evaluate(c))).toEqual(expected);
    const progress = bounded.slices?.();
    expect(progress?.prepared).toBeGreaterThan(0);
    expect(progress?.prepared).toBeLessThanOrEqual(Math.max(1, limit));
  });

  it('on the worker pool too (dist/policy/pool-worker.js: `npm run build` first)', async () => {
    const validated = validateBundleFiles(await readBundleFiles(EXAMPLE), await readBaseSchema());
    if (validated.kind !== 'valid') throw new Error('example bundle must validate');
    const local = prepareBundle(validated.validated);
    if (local.kind !== 'loaded') throw new Error('example bundle must prepare');
    const pool = createEvaluationPool({ size: 1, maxPreparedPolicies: 1 });
    try {
      const staged = pool.stage(validated.validated);
      await staged.ready;
      const decisions = [];
      for (const c of calls) decisions.push(await staged.evaluate(c));
      expect(decisions).toEqual(calls.map((c) => local.bundle.evaluate(c)));
    } finally {
      await pool.close();
    }
  }, 60_000);
});
