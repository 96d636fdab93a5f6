import { join } from 'node:path';
import { loadBundle } from '../../../src/policy/load-bundle';
import { formatProblems } from '../../../src/policy/format-problems';
import type { BundleProblem } from '../../../src/policy/types';

const fixture = (name: string): string => join(__dirname, '../../fixtures/bundles', name);

async function problemsOf(name: string): Promise<readonly BundleProblem[]> {
  const result = await loadBundle(fixture(name));
  if (result.kind !== 'invalid') throw new Error(`${name} loaded but should be invalid`);
  return result.problems;
}

describe('loadBundle', () => {
  it('loads a valid bundle with nested policy files and a stable revision', async () => {
    const first = await loadBundle(fixture('valid'));
    const second = await loadBundle(fixture('valid'));
    if (first.kind !== 'loaded' || second.kind !== 'loaded') throw new Error('valid bundle did not load');
    expect(first.bundle.policyIds).toEqual(['no-anonymous', 'ping-anyone', 'staff-read', 'support-cancel-small']);
    expect(first.bundle.revision).toMatch(/^[0-9a-f]{16}$/);
    expect(second.bundle.revision).toBe(first.bundle.revision);
    expect(first.bundle.hasFunction('orders.get')).toBe(true);
    expect(first.bundle.hasFunction('ping')).toBe(true); // no appliesTo, not a parent → a function without arguments
    expect(first.bundle.hasFunction('ops')).toBe(false); // an action group stays a group
    expect(first.bundle.hasFunction('mcp:tools/list')).toBe(true);
    expect(first.bundle.hasFunction('nope')).toBe(false);
  });

  it.each([
    ['missing-id', ['p.cedar:4:1: policy has no @id annotation (add @id("a-unique-name") before the policy)']],
    ['duplicate-id', ['b.cedar:3:1: duplicate @id("same"), first used at a.cedar:1:1 (every policy needs a unique @id)']],
    ['unknown-annotation', [expect.stringMatching(/^p\.cedar:2:1: unknown annotation @cache \(allowed annotations: @id, .*@description/)]],
    [
      'wrong-effect',
      [
        expect.stringMatching(/^p\.cedar:2:1: @reason is only allowed on forbid policies, not on permit/),
        expect.stringMatching(/^p\.cedar:6:1: @mask is only allowed on permit policies, not on forbid/),
      ],
    ],
    ['bad-detector', [expect.stringMatching(/^p\.cedar:2:1: unknown detector "credit_score" in @mask \(known detectors: pan, email/)]],
    [
      'bad-obligation-values',
      [
        expect.stringMatching(/^p\.cedar:2:1: invalid JSONPath "\$\.a\[" in @mask_fields/),
        expect.stringMatching(/^p\.cedar:3:1: invalid argument path "a\.\.b" in @redact_args/),
        expect.stringMatching(/^p\.cedar:7:1: @approval must name a Group entity, got "oncall"/),
      ],
    ],
    ['schema-error', ['schema.cedarschema:3:83: failed to resolve type: OrderNumber (`OrderNumber` has not been declared as a common or entity type)']],
    ['reserved-context', [expect.stringMatching(/^schema\.cedarschema:1:8: action "orders.get" declares context\.caller, which callgate provides/)]],
    ['parse-error', [expect.stringMatching(/^p\.cedar:6:23: unexpected token `}`/)]],
  ])('reports %s with file:line:col', async (name, expected) => {
    const lines = formatProblems(await problemsOf(name)).split('\n');
    expect(lines).toEqual(expected);
  });

  it('reports every type error of a policy with its line, column and Cedar help', async () => {
    const problems = await problemsOf('type-error');
    expect(problems).toHaveLength(2);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'validation', file: 'p.cedar', line: 6, column: 41, help: 'did you mean `amount`?' }),
        expect.objectContaining({ code: 'validation', file: 'p.cedar', line: 6, column: 8, message: 'the types Long and String are not compatible' }),
      ]),
    );
  });

  it('reports a missing directory as a problem instead of throwing', async () => {
    const problems = await problemsOf('does-not-exist');
    expect(problems[0]?.code).toBe('io');
  });

  it('loads the example bundle shipped in policies/', async () => {
    const result = await loadBundle(join(__dirname, '../../../policies'));
    if (result.kind === 'invalid') throw new Error(formatProblems(result.problems));
    expect(result.bundle.policyIds.length).toBeGreaterThanOrEqual(10);
    expect(result.bundle.policyIds).toContain('non-interactive-needs-approval');
  });
});
