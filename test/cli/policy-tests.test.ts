/**
 * `callgate test` and `callgate explain` as a user runs them (the real binary; needs `npm run build`, which
 * `npm test` does first). Fixture bundles under test/fixtures/policy-tests/ each prove one failure kind.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';

const root = path.join(__dirname, '../..');
const bin = path.join(root, 'bin/callgate.js');
const fixtures = 'test/fixtures/policy-tests';

function run(args: string[]) {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('CALLGATE_')) delete env[key];
  return spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env, timeout: 30_000 });
}

// Each case spawns the binary; on a loaded CI machine a spawn can take seconds.
jest.setTimeout(120_000);

beforeAll(() => {
  if (!existsSync(path.join(root, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
});

describe('callgate test', () => {
  it('passes the example bundle at 100% policy coverage', () => {
    const r = run(['test', 'policies', '--coverage', '--min-coverage', '100']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^PASS policies\/tests\/payments\.yaml:\d+ the payments team reads a payment/m);
    expect(r.stdout).not.toMatch(/^FAIL/m);
    expect(r.stdout).toContain('policy coverage: 100% (13 of 13 policies decided a passing case)');
  });

  it('fails a wrong decision with expected vs actual (exit 1)', () => {
    const r = run(['test', `${fixtures}/wrong-decision`]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`PASS ${fixtures}/wrong-decision/tests/cases.yaml:3 a reader reads`);
    expect(r.stdout).toContain(`FAIL ${fixtures}/wrong-decision/tests/cases.yaml:9 a reader deletes "q1" <draft> & more`);
    expect(r.stdout).toContain('  decision:\n    - expected "allow"\n    + actual   "deny"');
    expect(r.stdout).toContain('1 passed, 1 failed');
  });

  it('fails cases whose decision is right for the wrong reason', () => {
    const r = run(['test', `${fixtures}/accidental-pass`, '--format', 'json']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { cases: { name: string; passed: boolean; mismatches: { field: string; expected: string; actual: string }[] }[] };
    const byName = new Map(report.cases.map((c) => [c.name, c]));
    expect(byName.get('expects the default deny, but a forbid decided')?.mismatches).toEqual([{ field: 'policies', expected: '[]', actual: '["no-secret-docs"]' }]);
    expect(byName.get('expects the forbid, but nothing was permitted in the first place')?.mismatches).toEqual([
      { field: 'policies', expected: '["no-secret-docs"]', actual: '[]' },
    ]);
    expect(byName.get('expects a default deny, but the call never reached the policies')?.mismatches).toEqual([
      { field: 'code', expected: expect.stringContaining('a policy decision') as unknown as string, actual: '"ERR_POLICY_REQUEST_INVALID"' },
    ]);
    expect(byName.get('the same refusal, named, passes')?.passed).toBe(true);
  });

  it('fails an obligation mismatch even when decision and policies match', () => {
    const r = run(['test', `${fixtures}/obligation-mismatch`]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('  obligations.mask:\n    - expected []\n    + actual   ["email"]');
    expect(r.stdout).toContain('  obligations.redact_args:\n    - expected ["doc"]\n    + actual   []');
    expect(r.stdout).toContain('0 passed, 2 failed');
  });

  it('reports bad test-file shapes with file:line:column and runs nothing (exit 2)', () => {
    const r = run(['test', `${fixtures}/bad-shape`]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      `${fixtures}/bad-shape/tests/broken.yaml:4:1: Missing closing "quote`,
      `${fixtures}/bad-shape/tests/cases.yaml:5:5: cases[0].functon: unknown key "functon"`,
      `${fixtures}/bad-shape/tests/cases.yaml:12:5: cases[1].expect.policies: policies is required: the exact set of deciding policy ids ([] = no policy decided)`,
      `${fixtures}/bad-shape/tests/cases.yaml:18:7: cases[2].expect.decision: Invalid option: expected one of "allow"|"deny"`,
    ]);
  });

  it('callgate validate reports the same test-file shape problems (exit 1)', () => {
    const r = run(['validate', `${fixtures}/bad-shape`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${fixtures}/bad-shape/tests/cases.yaml:5:5: cases[0].functon: unknown key "functon"`);
    expect(r.stderr).toContain(`${fixtures}/bad-shape/tests/broken.yaml:4:1`);
    expect(run(['validate', 'policies']).status).toBe(0);
  });

  it('fails below --min-coverage and names the policies no passing case decided', () => {
    const ok = run(['test', `${fixtures}/low-coverage`, '--coverage']);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('policy coverage: 33.33% (1 of 3 policies decided a passing case)');
    expect(ok.stdout).toContain(`  not covered: admins-delete (${fixtures}/low-coverage/docs.cedar:5)`);
    expect(ok.stdout).toContain(`  not covered: no-secret-docs (${fixtures}/low-coverage/docs.cedar:8)`);
    const low = run(['test', `${fixtures}/low-coverage`, '--min-coverage', '50']);
    expect(low.status).toBe(1);
    expect(low.stdout).toContain('coverage 33.33% is below the minimum 50%');
  });

  it('--format github annotates failing cases and uncovered policies at their file:line', () => {
    const r = run(['test', `${fixtures}/low-coverage`, '--format', 'github', '--min-coverage', '50']);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`::error file=${fixtures}/low-coverage/docs.cedar,line=5,title=callgate test%3A coverage in policy admins-delete::policy admins-delete decided no passing test case`);
    const failed = run(['test', `${fixtures}/wrong-decision`, '--format', 'github']);
    expect(failed.stdout).toMatch(new RegExp(`^::error file=${fixtures}/wrong-decision/tests/cases.yaml,line=9,title=callgate test%3A test-failed::a reader deletes`, 'm'));
  });

  it('writes a JUnit report with escaped names, failures and the coverage check', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'callgate-junit-'));
    try {
      const file = path.join(dir, 'report.xml');
      const r = run(['test', `${fixtures}/wrong-decision`, '--junit', file, '--min-coverage', '90']);
      expect(r.status).toBe(1);
      const xml = readFileSync(file, 'utf8');
      expect(xml).toContain('a reader deletes &quot;q1&quot; &lt;draft');
      expect(xml).toContain('&amp; more');
      const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as {
        testsuites: { tests: string; failures: string; testsuite: { name: string; testcase: { name: string; classname: string; failure?: { message: string } } | { name: string; failure?: { message: string } }[] }[] };
      };
      expect(doc.testsuites.tests).toBe('3');
      expect(doc.testsuites.failures).toBe('2');
      const [cases, coverage] = doc.testsuites.testsuite;
      expect(cases?.name).toBe(`${fixtures}/wrong-decision/tests/cases.yaml`);
      const list = Array.isArray(cases?.testcase) ? cases.testcase : [];
      expect(list.map((c) => c.name)).toEqual(['a reader reads', 'a reader deletes "q1" <draft> & more']);
      expect(list[0]?.failure).toBeUndefined();
      expect(list[1]?.failure?.message).toBe(`${fixtures}/wrong-decision/tests/cases.yaml:9: decision, policies, code differ`);
      expect(coverage?.name).toBe('policy coverage');
      const covCase = coverage?.testcase as { failure?: { message: string } };
      expect(covCase.failure?.message).toBe('coverage 33.33% is below the minimum 90%');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad options (exit 2)', () => {
    expect(run(['test', 'policies', '--min-coverage', 'most']).status).toBe(2);
    expect(run(['test', 'policies', '--format', 'xml']).status).toBe(2);
    const none = run(['test', `${fixtures}/explain`]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('no test files');
    const missing = run(['test', 'no/such/bundle']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('cannot read the bundle');
    const junit = run(['test', 'policies', '--junit', 'no/such/dir/report.xml']);
    expect(junit.status).toBe(2);
    expect(junit.stderr).toContain('cannot write the JUnit report');
  });
});

describe('callgate explain', () => {
  it('tells a forbid with its file:line and @reason', () => {
    const r = run(['explain', '--principal', 'User::"alice"', '--groups', 'payments-team', '--function', 'payments.charge', '--server', 'payments', '--input', '{"amount": 10.00, "currency": "JPY", "customerId": "c"}']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        'DENY: payments.charge on Server::"payments" over http',
        'caller: User::"alice" (human, interactive; groups: payments-team)',
        'denied (ERR_POLICY_DENIED): "only EUR, USD and GBP charges are supported"',
        'deciding policies:',
        '  forbid payments-currency-allowlist at policies/payments.cedar:20 — @reason "only EUR, USD and GBP charges are supported"',
        '',
      ].join('\n'),
    );
  });

  it('says when no permit matched, and checks a case file expectation', () => {
    const r = run(['explain', '--case', `${fixtures}/explain/large-refund.yaml`]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('no permit matched and no forbid applied: Cedar denies by default (ERR_POLICY_NOT_PERMITTED');
    expect(r.stdout).toContain('expectation: met');
    const wrong = run(['explain', '--case', `${fixtures}/explain/wrong-expectation.yaml`]);
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toContain('expectation: NOT met');
    expect(wrong.stdout).toContain('    + actual   ["payments-currency-allowlist"]');
  });

  it('explains an allow with its obligations, from token claims, as JSON', () => {
    const r = run(['explain', '--claims', '{"sub":"alice","groups":["payments-team"]}', '--kind', 'human', '--function', 'payments.get', '--server', 'payments', '--input', '{"paymentId":"p"}', '--format', 'json']);
    expect(r.status).toBe(0);
    const e = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(e).toMatchObject({
      decision: 'allow',
      defaultDeny: false,
      caller: 'User::"alice" (human, interactive; groups: payments-team)',
      policies: [{ id: 'payments-read', effect: 'permit', file: 'payments.cedar', line: 1 }],
      obligations: { mask: ['pan'], mask_fields: ['$.customer.email'], redact_args: [] },
    });
  });

  it('names the approval that could lift a deny, and the error of a refused call', () => {
    const approval = run(['explain', '--principal', 'Service::"migrator"', '--groups', 'platform-admins', '--function', 'run_sql', '--server', 'tools', '--protocol', 'mcp', '--input', '{"query":"drop table t"}']);
    expect(approval.stderr).toBe('');
    expect(approval.status).toBe(0);
    expect(approval.stdout).toContain('a member of Group::"oncall" can approve this exact call');
    const approved = run(['explain', '--principal', 'Service::"migrator"', '--groups', 'platform-admins', '--function', 'run_sql', '--server', 'tools', '--protocol', 'mcp', '--input', '{"query":"drop table t"}', '--approved', '--approver', 'carol']);
    expect(approved.stdout).toContain('ALLOW: run_sql');
    const refused = run(['explain', '--principal', 'User::"alice"', '--groups', 'payments-team', '--function', 'payments.refund', '--server', 'payments', '--input', '{"amount":"x","orderId":"o"}']);
    expect(refused.stdout).toContain('refused before the policies could decide: ERR_POLICY_REQUEST_INVALID');
    expect(refused.stdout).toMatch(/errors:\n {2}.*not a well-formed decimal/);
  });

  it('checks --kind against the caller the claims map to (exit 1 when it differs)', () => {
    const r = run(['explain', '--claims', '{"sub":"alice","act":{"sub":"bot"}}', '--kind', 'human', '--function', 'payments.get', '--server', 'payments', '--input', '{"paymentId":"p"}']);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('caller: Agent::"bot" (agent, non-interactive, acting for User::"alice")');
    expect(r.stdout).toContain('  caller.kind:\n    - expected "human"\n    + actual   "agent"');
  });

  it('refuses incomplete requests and bad case files (exit 2)', () => {
    const r = run(['explain', '--function', 'payments.get']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--server is required');
    const bad = run(['explain', '--case', `${fixtures}/explain/bad-shape.yaml`]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`${fixtures}/explain/bad-shape.yaml:4:1: inputs: unknown key "inputs"`);
    const unknown = run(['explain', '--principal', 'User::"nobody"', '--function', 'payments.get', '--server', 'payments']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("is not in the bundle's entities.json");
  });
});
