/** One case through serve's pipeline: callers as identity builds them, strict comparison. */
import path from 'node:path';
import { loadConfig } from '../../../src/config/load-config';
import { parseOptionsOf } from '../../../src/app';
import { loadBundle } from '../../../src/policy/load-bundle';
import type { PolicyBundle } from '../../../src/policy/types';
import { decideCase, type DecideContext } from '../../../src/policy-tests/decide-case';
import { compareCase } from '../../../src/policy-tests/compare-case';
import { readBundleSources } from '../../../src/policy-tests/policy-sources';
import type { TestCaseSpec } from '../../../src/policy-tests/test-file-schema';

const dir = path.join(__dirname, '../../../policies');
let ctx: DecideContext;

beforeAll(async () => {
  const loaded = await loadBundle(dir);
  if (loaded.kind !== 'loaded') throw new Error('example bundle invalid');
  const config = loadConfig({ env: {} });
  const sources = await readBundleSources(dir);
  ctx = { bundle: loaded.bundle as PolicyBundle, identity: config.identity, parseOptions: parseOptionsOf(config), knownEntities: sources.entities };
});

const base = { name: 'c', function: 'payments.get', server: 'payments', expect: { decision: 'allow', policies: ['payments-read'] } } as const;
const decide = (spec: Partial<TestCaseSpec>, input = '{"paymentId":"p"}') => decideCase({ ...base, ...spec } as TestCaseSpec, input, ctx, 't-1');

describe('decideCase', () => {
  it('maps token claims with the identity module: malformed claims are the 401 serve would give', () => {
    const r = decide({ caller: { claims: { sub: 'alice', groups: 7 } } });
    expect(r).toMatchObject({ kind: 'decided', actual: { decision: 'deny', code: 'ERR_IDENTITY_INVALID', errors: ['claim "groups" must be a string or an array of strings'] } });
  });

  it('maps an act claim to an agent acting for the user', () => {
    const r = decide({ caller: { claims: { sub: 'alice', act: { sub: 'bot' }, groups: ['payments-team'] } } });
    if (r.kind !== 'decided') throw new Error('not decided');
    expect(r.actual.callerKind).toBe('agent');
    expect(r.actual.caller?.principal.uid).toEqual({ type: 'Agent', id: 'bot' });
  });

  it('refuses a principal that is neither in entities.json nor declared inline', () => {
    expect(decide({ caller: { principal: 'User::"ghost"' } })).toEqual({ kind: 'problem', path: ['caller', 'principal'], message: expect.stringContaining('not in the bundle') });
    expect(decide({ caller: { principal: 'Group::"engineering"' } })).toMatchObject({ kind: 'problem', path: ['caller', 'principal'] });
    expect(decide({ caller: { principal: 'User::"a"', groups: [], on_behalf_of: 'User::"b"' } })).toMatchObject({ kind: 'problem', path: ['caller', 'on_behalf_of'] });
  });

  it('keeps decimal literals exact: 500.00 is a small refund, 500.01 is not', () => {
    const caller = { principal: 'User::"a"', groups: ['payments-team'] };
    const small = decide({ caller, function: 'payments.refund' }, '{"amount":500.00,"orderId":"o"}');
    const large = decide({ caller, function: 'payments.refund' }, '{"amount":500.01,"orderId":"o"}');
    expect(small).toMatchObject({ actual: { decision: 'allow', policies: ['payments-refund-small'] } });
    expect(large).toMatchObject({ actual: { decision: 'deny', code: 'ERR_POLICY_NOT_PERMITTED', policies: [] } });
  });
});

describe('compareCase', () => {
  it('compares obligations on every allow and the caller kind when given', () => {
    const r = decide({ caller: { principal: 'User::"a"', groups: ['payments-team'] } });
    if (r.kind !== 'decided') throw new Error('not decided');
    expect(compareCase({ decision: 'allow', policies: ['payments-read'] }, r.actual, 'service')).toEqual([
      { field: 'caller.kind', expected: '"service"', actual: '"human"' },
      { field: 'obligations.mask', expected: '[]', actual: '["pan"]' },
      { field: 'obligations.mask_fields', expected: '[]', actual: '["$.customer.email"]' },
    ]);
    expect(compareCase({ decision: 'allow', policies: ['payments-read'], obligations: { mask: ['pan'], mask_fields: ['$.customer.email'] } }, r.actual)).toEqual([]);
  });
});
