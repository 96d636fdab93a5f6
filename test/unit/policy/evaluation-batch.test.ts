import { createEvaluationBatch } from '../../../src/policy/evaluation-batch';
import type { AuthorizationInput, PolicyBundle, PolicyDecision } from '../../../src/policy/types';

/** A bundle whose evaluate logs each call (by action) into `log` and answers allow, or throws for action "boom". */
function loggingBundle(log: string[]): PolicyBundle {
  return {
    revision: 'rev-batch',
    policyIds: ['p'],
    hasFunction: () => true,
    listTools: () => ({ kind: 'listed', tools: [], obligations: { mask: [], maskFields: [], redactArgs: [] } }),
    evaluate(input: AuthorizationInput): PolicyDecision {
      log.push(`eval ${input.action}`);
      if (input.action === 'boom') throw new Error('wasm trap: unreachable');
      return { kind: 'allow', decidingPolicies: [`allow-${input.action}`], obligations: { mask: [], maskFields: [], redactArgs: [] } };
    },
  };
}

const input = (action: string): AuthorizationInput => ({
  principal: { uid: { type: 'User', id: 'alice' }, attrs: {}, parents: [] },
  requestEntities: [],
  action,
  resource: 'tools',
  context: {},
});

/** A schedule the test runs by hand: drains wait in `pending` until `runNext`. */
function manualSchedule(): { schedule: (drain: () => void) => void; pending: Array<() => void>; runNext(): Promise<void> } {
  const pending: Array<() => void> = [];
  return {
    schedule: (drain) => void pending.push(drain),
    pending,
    async runNext() {
      const drain = pending.shift();
      if (drain === undefined) throw new Error('no drain scheduled');
      drain();
      // Let every continuation awaiting a decision of this drain run.
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe('createEvaluationBatch', () => {
  it('evaluates nothing until the drain, then all queued calls back to back before any awaiting Check goes on', async () => {
    const log: string[] = [];
    const bundle = loggingBundle(log);
    const manual = manualSchedule();
    const batch = createEvaluationBatch({ maxBatch: 64, schedule: manual.schedule });
    const checks = ['a', 'b', 'c'].map(async (action) => {
      const decision = await batch.evaluate(bundle, input(action));
      log.push(`answer ${action} ${decision.kind}`);
    });
    expect(log).toEqual([]);
    expect(batch.queued()).toBe(3);
    expect(manual.pending).toHaveLength(1);
    await manual.runNext();
    await Promise.all(checks);
    expect(log).toEqual(['eval a', 'eval b', 'eval c', 'answer a allow', 'answer b allow', 'answer c allow']);
    expect(batch.queued()).toBe(0);
    expect(manual.pending).toHaveLength(0);
  });

  it('evaluates at most maxBatch calls per drain and schedules the rest for the next one, in arrival order', async () => {
    const log: string[] = [];
    const bundle = loggingBundle(log);
    const manual = manualSchedule();
    const batch = createEvaluationBatch({ maxBatch: 2, schedule: manual.schedule });
    const decisions = ['a', 'b', 'c', 'd', 'e'].map((action) => batch.evaluate(bundle, input(action)));
    await manual.runNext();
    expect(log).toEqual(['eval a', 'eval b']);
    expect(batch.queued()).toBe(3);
    await manual.runNext();
    expect(log).toEqual(['eval a', 'eval b', 'eval c', 'eval d']);
    await manual.runNext();
    expect(log).toEqual(['eval a', 'eval b', 'eval c', 'eval d', 'eval e']);
    expect(manual.pending).toHaveLength(0);
    const policies = (await Promise.all(decisions)).map((d) => d.decidingPolicies[0]);
    expect(policies).toEqual(['allow-a', 'allow-b', 'allow-c', 'allow-d', 'allow-e']);
  });

  it('answers each call with its own bundle, so a reload mid-queue does not mix revisions', async () => {
    const manual = manualSchedule();
    const batch = createEvaluationBatch({ maxBatch: 64, schedule: manual.schedule });
    const oldLog: string[] = [];
    const newLog: string[] = [];
    const first = batch.evaluate(loggingBundle(oldLog), input('a'));
    const second = batch.evaluate(loggingBundle(newLog), input('b'));
    await manual.runNext();
    await Promise.all([first, second]);
    expect(oldLog).toEqual(['eval a']);
    expect(newLog).toEqual(['eval b']);
  });

  it('turns an evaluation that throws into an ERR_POLICY_EVALUATION deny, and the rest of the drain still runs', async () => {
    const log: string[] = [];
    const bundle = loggingBundle(log);
    const manual = manualSchedule();
    const batch = createEvaluationBatch({ maxBatch: 64, schedule: manual.schedule });
    const decisions = Promise.all(['a', 'boom', 'c'].map((action) => batch.evaluate(bundle, input(action))));
    await manual.runNext();
    const [a, boom, c] = await decisions;
    expect(a).toMatchObject({ kind: 'allow' });
    expect(boom).toEqual({ kind: 'deny', code: 'ERR_POLICY_EVALUATION', decidingPolicies: [], errors: [{ message: 'wasm trap: unreachable' }] });
    expect(c).toMatchObject({ kind: 'allow' });
  });

  it('drains on setImmediate by default', async () => {
    const log: string[] = [];
    const batch = createEvaluationBatch({ maxBatch: 8 });
    const decision = batch.evaluate(loggingBundle(log), input('a'));
    expect(log).toEqual([]);
    await expect(decision).resolves.toMatchObject({ kind: 'allow', decidingPolicies: ['allow-a'] });
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects maxBatch %p with a RangeError', (maxBatch) => {
    expect(() => createEvaluationBatch({ maxBatch })).toThrow(RangeError);
  });
});
