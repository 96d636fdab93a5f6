/** Idle-time warm-up: every slice gets preparsed while the bundle serves; it stops once the bundle is replaced. */
import { join } from 'node:path';
import { loadBundle } from '../../../src/policy/load-bundle';
import { warmBundle } from '../../../src/policy/warm-bundle';
import type { PolicyBundle } from '../../../src/policy/types';
import { context, input, principal } from './authorization-inputs';

const EXAMPLE = join(__dirname, '../../../policies');
const load = async (): Promise<PolicyBundle> => {
  const result = await loadBundle(EXAMPLE);
  if (result.kind !== 'loaded') throw new Error('example bundle must load');
  return result.bundle;
};
const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i += 1) await new Promise((resolve) => setImmediate(resolve));
};
const alice = input(principal('User', 'alice', ['payments-team']), 'payments.get', 'payments', context({ paymentId: 'p-1' }, { kind: 'human' }));

describe('warmBundle', () => {
  it('preparses every slice in small steps and decides as before', async () => {
    const cold = await load();
    const expected = cold.evaluate(alice);
    const bundle = await load();
    const total = bundle.warm?.(0) ?? 0;
    expect(total).toBeGreaterThan(1); // more than one step's worth
    warmBundle(bundle, () => true);
    await turns(total + 5);
    expect(bundle.warm?.(1)).toBe(0);
    expect(bundle.slices?.()).toEqual({ total, prepared: total, pending: 0 });
    expect(bundle.evaluate(alice)).toEqual(expected);
  });

  it('with engine.max_prepared_policies fills only the room there is, and reports it has finished', async () => {
    const result = await loadBundle(EXAMPLE, { maxPreparedPolicies: 2 });
    if (result.kind !== 'loaded') throw new Error('example bundle must load');
    const bundle = result.bundle;
    const total = bundle.warm?.(0) ?? 0;
    warmBundle(bundle, () => true);
    await turns(total + 5);
    expect(bundle.slices?.()).toEqual({ total, prepared: expect.any(Number), pending: 0 });
    expect(bundle.slices?.().prepared).toBeLessThanOrEqual(2);
    expect(bundle.evaluate(alice).kind).toBeDefined();
  });

  it('stops when the bundle no longer serves', async () => {
    const bundle = await load();
    const total = bundle.warm?.(0) ?? 0;
    warmBundle(bundle, () => false);
    await turns(total + 5);
    expect(bundle.warm?.(0)).toBe(total);
  });
});
