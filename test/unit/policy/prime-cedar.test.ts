/** Priming cedar-wasm: one probe through preparse and authorization, once per thread, before the first bundle serves. */
import { join } from 'node:path';
import { statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import { loadBundle } from '../../../src/policy/load-bundle';
import { cedarPrimed, primeCedar } from '../../../src/policy/prime-cedar';
import { createLogger } from '../../../src/log/logger';

const EXAMPLE = join(__dirname, '../../../policies');

describe('primeCedar', () => {
  it('runs its probe through preparse and authorization once, and leaves nothing preparsed', () => {
    expect(cedarPrimed()).toBe(false);
    expect(primeCedar()).toBe(true); // the probe's permit matched: its text parsed and its condition evaluated
    expect(cedarPrimed()).toBe(true);
    expect(primeCedar()).toBe(false); // once per thread
    const answer = statefulIsAuthorized({
      principal: { type: 'User', id: 'u' },
      action: { type: 'Action', id: 'a' },
      resource: { type: 'Server', id: 's' },
      context: { input: { n: 1 } },
      preparsedPolicySetId: 'callgate/prime',
      validateRequest: false,
      entities: [
        { uid: { type: 'User', id: 'u' }, attrs: {}, parents: [{ type: 'Group', id: 'g' }] },
        { uid: { type: 'Server', id: 's' }, attrs: { owner: { __entity: { type: 'User', id: 'u' } } }, parents: [] },
      ],
    });
    expect(answer.type).toBe('success');
    if (answer.type === 'success') {
      expect(answer.response.decision).toBe('deny');
      expect(answer.response.diagnostics.reason).toEqual([]);
    }
  });
});

describe('the bundle engine primes before the first bundle serves', () => {
  it('has primed this thread when swap is called, and not before install', async () => {
    // Fresh modules: this thread's prime flag is unset here whatever ran above.
    let engineModule!: typeof import('../../../src/policy/bundle-engine');
    let primeModule!: typeof import('../../../src/policy/prime-cedar');
    jest.isolateModules(() => {
      engineModule = require('../../../src/policy/bundle-engine') as typeof engineModule;
      primeModule = require('../../../src/policy/prime-cedar') as typeof primeModule;
    });
    const loaded = await loadBundle(EXAMPLE);
    if (loaded.kind !== 'loaded') throw new Error('example bundle must load');
    const engine = engineModule.createBundleEngine({ cache_dir: '', workers: 0, max_prepared_policies: 0 }, { log: createLogger('silent') });
    expect(primeModule.cedarPrimed()).toBe(false);
    let primedAtSwap: boolean | undefined;
    await engine.install(loaded.bundle, () => {
      primedAtSwap = primeModule.cedarPrimed();
    });
    await engine.close();
    expect(primedAtSwap).toBe(true);
  });
});
