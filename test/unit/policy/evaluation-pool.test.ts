/**
 * The evaluation pool (engine.workers): the same decisions as in-thread, each decision by exactly the
 * revision its task names (two revisions live at once), a dropped revision denied, a refused load reported,
 * and a worker that dies answers closed and is replaced. Workers run dist/policy/pool-worker.js (`npm run
 * build` first; `npm test` does).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBundleFiles } from '../../../src/policy/bundle-files';
import { readBaseSchema, prepareBundle } from '../../../src/policy/load-bundle';
import { validateBundleFiles, type ValidatedBundle } from '../../../src/policy/validate-bundle';
import { createEvaluationPool, PoolLoadError, type EvaluationPool } from '../../../src/policy/evaluation-pool';
import type { AuthorizationInput, PolicyBundle } from '../../../src/policy/types';
import { context, input, principal } from './authorization-inputs';

const EXAMPLE = join(__dirname, '../../../policies');

async function validatedFrom(dir: string): Promise<ValidatedBundle> {
  const result = validateBundleFiles(await readBundleFiles(dir), await readBaseSchema());
  if (result.kind !== 'valid') throw new Error('bundle must validate');
  return result.validated;
}

function localBundle(validated: ValidatedBundle): PolicyBundle {
  const result = prepareBundle(validated);
  if (result.kind !== 'loaded') throw new Error('bundle must prepare');
  return result.bundle;
}

const alice = (): AuthorizationInput => input(principal('User', 'alice', ['payments-team']), 'payments.get', 'payments', context({ paymentId: 'p-1' }, { kind: 'human' }));
const REQUESTS: AuthorizationInput[] = [
  alice(),
  input(principal('User', 'bob', ['engineering']), 'payments.get', 'payments', context({ paymentId: 'p-1' }, { kind: 'human' })),
  input(principal('Anonymous', 'anon'), 'search_issues', 'tools', context({ query: 'q', repo: 'acme/app' }, { kind: 'anonymous' })),
  input(principal('Agent', 'bot', ['agents']), 'delete_repo', 'tools', context({ repo: 'acme/app' }, { kind: 'agent' })),
  input(principal('User', 'alice', ['payments-team']), 'nope', 'payments', context({}, { kind: 'human' })),
];

describe('evaluation pool', () => {
  let pool: EvaluationPool;
  let work: string;
  let example: ValidatedBundle;
  let changed: ValidatedBundle;
  const exits: number[] = [];

  beforeAll(async () => {
    pool = createEvaluationPool({ size: 2, onWorkerExit: (code) => exits.push(code) });
    work = mkdtempSync(join(tmpdir(), 'callgate-pool-'));
    cpSync(EXAMPLE, join(work, 'b'), { recursive: true });
    // Revision B: every policy file gains a forbid on payments.get, so alice's allow becomes a deny.
    const file = join(work, 'b', readdirSync(join(work, 'b')).find((n) => n.endsWith('.cedar')) ?? '');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n@id("pool-test-forbid")\n@reason("closed for the test")\nforbid(principal, action == Action::"payments.get", resource);\n`);
    example = await validatedFrom(EXAMPLE);
    changed = await validatedFrom(join(work, 'b'));
  }, 60_000);
  afterAll(async () => {
    await pool.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('decides exactly as the in-thread bundle', async () => {
    const staged = pool.stage(example);
    await staged.ready;
    const local = localBundle(example);
    const expected = REQUESTS.map((r) => local.evaluate(r));
    expect(expected.map((d) => d.kind)).toEqual(['allow', 'deny', 'deny', 'deny', 'deny']);
    expect(await Promise.all(REQUESTS.map((r) => staged.evaluate(r)))).toEqual(expected);
    staged.release();
  });

  it('evaluates each task with the revision it names while two are live, and denies a dropped one', async () => {
    const a = pool.stage(example);
    const b = pool.stage(changed);
    await Promise.all([a.ready, b.ready]);
    const both = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).evaluate(alice())));
    both.forEach((d, i) => {
      if (i % 2 === 0) expect(d.kind).toBe('allow');
      else expect(d).toMatchObject({ kind: 'deny', code: 'ERR_POLICY_DENIED', decidingPolicies: ['pool-test-forbid'], reason: 'closed for the test' });
    });
    a.release();
    expect(await a.evaluate(alice())).toMatchObject({ kind: 'deny', code: 'ERR_POLICY_EVALUATION' });
    expect((await b.evaluate(alice())).kind).toBe('deny');
    b.release();
  });

  it('evaluates tasks given in the same turn as a release with the revision they were given under', async () => {
    const staged = pool.stage(example);
    await staged.ready;
    // The tasks wait for the turn's end to go to the workers in one message each; the release must not overtake them.
    const queued = Array.from({ length: 6 }, () => staged.evaluate(alice()));
    staged.release();
    expect((await Promise.all(queued)).map((d) => d.kind)).toEqual(Array(6).fill('allow'));
    expect(await staged.evaluate(alice())).toMatchObject({ kind: 'deny', code: 'ERR_POLICY_EVALUATION' });
  });

  it('reports a bundle a worker refuses', async () => {
    const tampered: ValidatedBundle = { ...example, policies: example.policies.map((p, i) => (i === 0 ? { ...p, id: 'not-its-id' } : p)) };
    const staged = pool.stage(tampered);
    await expect(staged.ready).rejects.toBeInstanceOf(PoolLoadError);
    staged.release();
  });

  it('answers closed when a worker dies, replaces it, and the replacement holds the live revisions', async () => {
    const staged = pool.stage(example);
    await staged.ready;
    const [victim] = pool.threads();
    const during = Promise.all(Array.from({ length: 20 }, () => staged.evaluate(alice())));
    await victim?.terminate();
    for (const d of await during) {
      // Either decided before the worker stopped, or denied because it stopped: never anything else.
      if (d.kind === 'deny') expect(d).toMatchObject({ code: 'ERR_POLICY_EVALUATION' });
      else expect(d.kind).toBe('allow');
    }
    expect(exits.length).toBe(1);
    expect(pool.threads()).toHaveLength(2);
    expect(pool.threads()).not.toContain(victim);
    const after = await Promise.all(Array.from({ length: 20 }, () => staged.evaluate(alice())));
    expect(after.every((d) => d.kind === 'allow')).toBe(true);
    staged.release();
  });
});
