/** The policy-check commands as the binary runs them: exit codes, stdout/stderr split, --output. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

jest.setTimeout(60_000);

const root = path.join(__dirname, '../..');
const bin = path.join(root, 'bin/callgate.js');
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });

describe('policy-check commands (binary)', () => {
  let dir: string;
  beforeAll(() => {
    if (!existsSync(path.join(root, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'callgate-ci-bin-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('validate: exit 0 clean, 1 with problems (json on stdout), 2 for an unknown --format', () => {
    expect(run(['validate', 'test/fixtures/validate/clean', '--format', 'json']).status).toBe(0);
    const bad = run(['validate', 'test/fixtures/validate/mistyped-argument', '--format', 'json']);
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout).problems[0]).toMatchObject({ file: 'test/fixtures/validate/mistyped-argument/refunds.cedar', line: 8, column: 8, policy: 'refund-small' });
    const human = run(['validate', 'test/fixtures/validate/mistyped-argument']);
    expect(human.stderr).toContain('test/fixtures/validate/mistyped-argument/refunds.cedar:8:8: ');
    expect(run(['validate', 'policies', '--format', 'xml']).status).toBe(2);
  });

  it('fmt: --check and --write together is a usage error (2)', () => {
    expect(run(['fmt', 'policies', '--check', '--write']).status).toBe(2);
    expect(run(['fmt', 'policies']).status).toBe(0);
  });

  it('schema from-mcp: writes --output and exits 0; exits 1 with pointers on stderr and nothing on stdout when constructs cannot be expressed', () => {
    const out = path.join(dir, 'tools.cedarschema');
    const ok = run(['schema', 'from-mcp', 'test/fixtures/schema-gen/github-tools.json', '--group', 'github', '--output', out]);
    expect(ok.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('action "delete_repository" in ["destructive", "github"]');
    const refused = run(['schema', 'from-mcp', 'test/fixtures/schema-gen/unsupported-tools.json']);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('test/fixtures/schema-gen/unsupported-tools.json#/tools/0/inputSchema/properties/target/oneOf: ');
    const partial = run(['schema', 'from-mcp', 'test/fixtures/schema-gen/unsupported-tools.json', '--allow-partial']);
    expect(partial.status).toBe(0);
    expect(partial.stdout).toContain('action "run_query"');
    expect(run(['schema', 'from-openapi', path.join(dir, 'missing.yaml')]).status).toBe(2);
    expect(run(['schema', 'from-openapi', 'test/fixtures/schema-gen/orders-openapi.yaml']).stdout).toContain('action "orders.refund"');
  });
});
