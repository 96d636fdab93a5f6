import { join } from 'node:path';
import { loadBundle } from '../../../src/policy/load-bundle';
import { formatProblems } from '../../../src/policy/format-problems';
import type { PolicyBundle } from '../../../src/policy/types';
import { context, decimal, input, principal } from './authorization-inputs';

let bundle: PolicyBundle;

beforeAll(async () => {
  const result = await loadBundle(join(__dirname, '../../../policies'));
  if (result.kind === 'invalid') throw new Error(formatProblems(result.problems));
  bundle = result.bundle;
});

const alice = principal('User', 'alice', ['payments-team']);
const bob = principal('User', 'bob', ['payments-admins']);
const eve = principal('User', 'eve', ['engineering']);
const deployBot = principal('Service', 'deploy-bot', ['platform-admins']);
const human = { kind: 'human' as const };
const service = { kind: 'service' as const };
const agent = { kind: 'agent' as const, interactive: false };
const onBehalf = { onBehalfOf: { __entity: { type: 'User', id: 'eve' } } };
const copilot = principal('Agent', 'copilot', ['agents'], onBehalf);

describe('example bundle decisions', () => {
  it('allows the payments team to read payments, with masking obligations', () => {
    const d = bundle.evaluate(input(alice, 'payments.get', 'payments', context({ paymentId: 'p-1' }, human)));
    expect(d).toEqual({ kind: 'allow', decidingPolicies: ['payments-read'], obligations: { mask: ['pan'], maskFields: ['$.customer.email'], redactArgs: [] } });
  });

  it('carries @redact_args of a charge permit', () => {
    const args = { amount: decimal('12.50'), currency: 'EUR', customerId: 'c-1', description: 'x' };
    const d = bundle.evaluate(input(alice, 'payments.charge', 'payments', context(args, human)));
    expect(d).toEqual({ kind: 'allow', decidingPolicies: ['payments-charge'], obligations: { mask: [], maskFields: [], redactArgs: ['description'] } });
  });

  it('denies with the forbid @reason', () => {
    const args = { amount: decimal('12.50'), currency: 'JPY', customerId: 'c-1' };
    const d = bundle.evaluate(input(alice, 'payments.charge', 'payments', context(args, human)));
    expect(d).toEqual({ kind: 'deny', code: 'ERR_POLICY_DENIED', decidingPolicies: ['payments-currency-allowlist'], errors: [], reason: 'only EUR, USD and GBP charges are supported' });
  });

  it('needs payments-admins (via nested groups) for refunds over 500.00', () => {
    const big = context({ amount: decimal('600.00'), orderId: 'o-1' }, human);
    expect(bundle.evaluate(input(alice, 'payments.refund', 'payments', big))).toMatchObject({ kind: 'deny', code: 'ERR_POLICY_NOT_PERMITTED', decidingPolicies: [] });
    expect(bundle.evaluate(input(bob, 'payments.refund', 'payments', big))).toMatchObject({ kind: 'allow', decidingPolicies: ['payments-refund-large'] });
    const small = context({ amount: decimal('20.00'), orderId: 'o-1' }, human);
    expect(bundle.evaluate(input(bob, 'payments.refund', 'payments', small))).toMatchObject({ kind: 'allow', decidingPolicies: ['payments-refund-large', 'payments-refund-small'] });
  });

  it('answers approval_required for a non-interactive destructive call, and allows it once approved', () => {
    const ctx = context({ repo: 'acme/old' }, service);
    expect(bundle.evaluate(input(deployBot, 'delete_repo', 'tools', ctx))).toEqual({
      kind: 'deny',
      code: 'ERR_APPROVAL_REQUIRED',
      decidingPolicies: ['non-interactive-needs-approval'],
      errors: [],
      reason: "calls from services need a human's approval",
      approval: { group: 'Group::"oncall"', policyIds: ['non-interactive-needs-approval'] },
    });
    const approved = context({ repo: 'acme/old' }, service, true);
    expect(bundle.evaluate(input(deployBot, 'delete_repo', 'tools', approved))).toMatchObject({ kind: 'allow', decidingPolicies: ['tools-destructive-admins'] });
  });

  it('lets agents call only read-only tools, merging the obligations of every deciding permit', () => {
    const charge = context({ amount: decimal('1.00'), currency: 'EUR', customerId: 'c' }, agent);
    expect(bundle.evaluate(input(copilot, 'payments.charge', 'payments', charge))).toMatchObject({ code: 'ERR_POLICY_DENIED', reason: 'AI agents may only call read-only functions' });
    const engineerAgent = principal('Agent', 'copilot', ['agents', 'engineering'], onBehalf);
    const search = context({ query: 'bug', repo: 'acme/app' }, agent);
    const d = bundle.evaluate(input(engineerAgent, 'search_issues', 'tools', search, [principal('User', 'eve', ['engineering'])]));
    expect(d).toEqual({
      kind: 'allow',
      decidingPolicies: ['tools-agents-read', 'tools-engineering-read'],
      obligations: { mask: ['api_token', 'aws_key', 'email', 'jwt', 'private_key'], maskFields: [], redactArgs: [] },
    });
  });

  it('forbids reading secret files even for engineers', () => {
    const d = bundle.evaluate(input(eve, 'read_file', 'tools', context({ path: 'app/.env' }, human)));
    expect(d).toMatchObject({ kind: 'deny', code: 'ERR_POLICY_DENIED', reason: 'reading secret files is not allowed' });
  });

  it('permits MCP protocol methods for authenticated callers only', () => {
    expect(bundle.evaluate(input(eve, 'mcp:tools/list', 'tools', context({}, human)))).toMatchObject({ kind: 'allow', decidingPolicies: ['mcp-protocol-authenticated'] });
    const anon = principal('Anonymous', 'anonymous');
    expect(bundle.evaluate(input(anon, 'mcp:tools/list', 'tools', context({}, { kind: 'anonymous' })))).toMatchObject({ kind: 'deny', code: 'ERR_POLICY_NOT_PERMITTED' });
  });

  it('denies an unknown function without calling Cedar', () => {
    expect(bundle.evaluate(input(eve, 'payments.delete_everything', 'payments', context({}, human)))).toMatchObject({ kind: 'deny', code: 'ERR_POLICY_UNKNOWN_FUNCTION' });
    expect(bundle.evaluate(input(eve, 'payments', 'payments', context({}, human)))).toMatchObject({ code: 'ERR_POLICY_UNKNOWN_FUNCTION' });
  });

  it('denies arguments that do not conform to the schema', () => {
    const wrongType = context({ amount: true, orderId: 'o-1' }, human); // Bool where the schema says decimal
    const d = bundle.evaluate(input(bob, 'payments.refund', 'payments', wrongType));
    expect(d).toMatchObject({ kind: 'deny', code: 'ERR_POLICY_REQUEST_INVALID' });
    if (d.kind === 'deny') expect(d.errors[0]?.message).toMatch(/input\.amount: expected decimal/);
    // An integral JSON number is widened to the equal decimal (exact), so it conforms.
    expect(bundle.evaluate(input(bob, 'payments.refund', 'payments', context({ amount: 600, orderId: 'o-1' }, human)))).toMatchObject({ kind: 'allow' });
    const beyondDecimal = context({ amount: 922337203685478, orderId: 'o-1' }, human);
    expect(bundle.evaluate(input(bob, 'payments.refund', 'payments', beyondDecimal))).toMatchObject({ code: 'ERR_POLICY_REQUEST_INVALID' });
    const undeclared = context({ amount: 10, orderId: 'o-1', sneaky: 'x' }, human);
    expect(bundle.evaluate(input(bob, 'payments.refund', 'payments', undeclared))).toMatchObject({ code: 'ERR_POLICY_REQUEST_INVALID' });
    const missing = context({ orderId: 'o-1' }, human);
    expect(bundle.evaluate(input(bob, 'payments.refund', 'payments', missing))).toMatchObject({ code: 'ERR_POLICY_REQUEST_INVALID' });
  });
});

describe('evaluation errors', () => {
  it('deny even when the erroring policy is a forbid Cedar would drop (Cedar alone would allow)', async () => {
    const result = await loadBundle(join(__dirname, '../../fixtures/bundles/evaluation-error'));
    if (result.kind === 'invalid') throw new Error(formatProblems(result.problems));
    const user = principal('User', 'u');
    const ok = result.bundle.evaluate(input(user, 'add', 'calc', context({ n: -5 }, human)));
    expect(ok).toMatchObject({ kind: 'allow', decidingPolicies: ['permit-all'] });
    const d = result.bundle.evaluate(input(user, 'add', 'calc', context({ n: 5 }, human)));
    expect(d).toMatchObject({ kind: 'deny', code: 'ERR_POLICY_EVALUATION', decidingPolicies: ['permit-all'] });
    if (d.kind === 'deny') expect(d.errors).toEqual([{ policyId: 'forbid-overflowing', message: expect.stringMatching(/overflow/) }]);
  });
});
