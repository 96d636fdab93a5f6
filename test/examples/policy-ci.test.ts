/**
 * examples/policy-ci: the workflow is valid for GitHub (its JSON schema, via @action-validator/core),
 * every `callgate` command and flag it uses exists in `--help`, and its steps, run as GitHub runs them
 * (bash -eo pipefail, the workflow's env, the built binary on PATH), fail a pull request that mistypes an
 * argument, breaks formatting, drops coverage or turns a denied recorded call into an allowed one.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { validateWorkflow } from '@action-validator/core';

jest.setTimeout(120_000);

const root = path.join(__dirname, '../..');
const workflowFile = path.join(root, 'examples/policy-ci/.github/workflows/policy-ci.yml');
const bin = path.join(root, 'bin/callgate.js');

interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly run?: string;
  readonly uses?: string;
}
interface Workflow {
  readonly env: Record<string, string>;
  readonly jobs: Record<string, { steps: Step[] }>;
}

const text = readFileSync(workflowFile, 'utf8');
const workflow = parse(text) as Workflow;
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);

/** Every line of the run scripts that runs `callgate <command> …` (line continuations joined). */
function callgateInvocations(): string[][] {
  const scripts = steps.map((s) => s.run ?? '').join('\n').replace(/\\\n/g, ' ');
  return [...scripts.matchAll(/^\s*callgate\s+([a-z][^\n;&|>]*)/gm)].map((m) => (m[1] ?? '').trim().split(/\s+/));
}

function help(args: string[]): string {
  const r = spawnSync(process.execPath, [bin, ...args, '--help'], { encoding: 'utf8', timeout: 20_000 });
  expect(r.status).toBe(0);
  return r.stdout;
}

describe('examples/policy-ci workflow', () => {
  beforeAll(() => {
    if (!existsSync(path.join(root, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  });

  it("is valid against GitHub's workflow schema", () => {
    const result = validateWorkflow(text);
    expect(result.errors).toEqual([]);
  });

  it('runs on pull requests, validate and test with GitHub annotations, fmt --check, test with coverage and JUnit, impact with --fail-on', () => {
    expect(parse(text).on).toHaveProperty('pull_request');
    const commands = callgateInvocations().map((tokens) => tokens.filter((t) => !t.startsWith('"') && !t.startsWith('$')).join(' '));
    expect(commands).toEqual([
      'validate --format github',
      'fmt --check',
      'test --coverage --min-coverage 100 --junit reports/policy-tests.xml --format github',
      'impact --base --head --decisions --format markdown --fail-on deny-to-allow',
    ]);
  });

  it('uses only callgate commands and flags that exist in --help', () => {
    for (const tokens of callgateInvocations()) {
      const command = tokens[0] ?? '';
      const usage = help([command]);
      for (const flag of tokens.filter((t) => t.startsWith('--')).map((t) => t.split('=')[0] ?? t)) {
        expect({ command, flag, present: new RegExp(`(^|[\\s,])${flag}(\\s|$|,|=)`, 'm').test(usage) }).toEqual({ command, flag, present: true });
      }
    }
  });

  it('posts the impact Markdown as a PR comment', () => {
    const comment = steps.find((s) => s.run?.includes('gh pr comment'));
    expect(comment?.run).toContain('--body-file impact.md');
  });
});

describe('examples/policy-ci steps on a pull request', () => {
  let repo: string;
  let shims: string;
  beforeEach(() => {
    repo = mkdtempSync(path.join(os.tmpdir(), 'callgate-policy-ci-'));
    shims = path.join(repo, '.shims');
    mkdirSync(shims);
    writeFileSync(path.join(shims, 'callgate'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
    chmodSync(path.join(shims, 'callgate'), 0o755);
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  function checkout(head: string, base: string = head): void {
    cpSync(head, path.join(repo, 'policies'), { recursive: true });
    cpSync(base, path.join(repo, 'base/policies'), { recursive: true });
  }

  function runStep(id: string): { status: number | null; stdout: string; stderr: string; summary: string } {
    const step = steps.find((s) => s.id === id);
    if (step?.run === undefined) throw new Error(`no step ${id}`);
    const summary = path.join(repo, '.summary.md');
    writeFileSync(summary, '');
    const env = { ...process.env, ...workflow.env, PATH: `${shims}:${process.env.PATH ?? ''}`, GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: path.join(repo, '.output') };
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], { cwd: repo, env, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, summary: readFileSync(summary, 'utf8') };
  }

  it('passes the example bundle unchanged', () => {
    checkout(path.join(root, 'policies'));
    for (const id of ['validate', 'fmt', 'test', 'impact']) expect({ id, ...runStep(id) }).toMatchObject({ id, status: 0 });
  });

  it('fails validate on a mistyped argument, with an annotation naming file, line, column and policy', () => {
    checkout(path.join(root, 'policies'));
    const file = path.join(repo, 'policies/payments.cedar');
    writeFileSync(file, readFileSync(file, 'utf8').replace('context.input.amount.lessThanOrEqual', 'context.input.amout.lessThanOrEqual'));
    const r = runStep('validate');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^::error file=policies\/payments\.cedar,line=\d+,col=\d+,title=callgate validate%3A validation in policy payments-refund-small::.*`input\.amout`.*%0Ahelp: did you mean `amount`\?$/m);
  });

  it('fails fmt --check on broken formatting and names the file', () => {
    checkout(path.join(root, 'policies'));
    const file = path.join(repo, 'policies/mcp.cedar');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/permit \(\n\s+principal,\n\s+action in Action::"mcp:protocol",\n\s+resource\n\)/, 'permit(principal,action in Action::"mcp:protocol",resource)'));
    const r = runStep('fmt');
    expect(r.status).toBe(1);
    expect(r.stdout.trim()).toBe('policies/mcp.cedar');
  });

  it('fails the tests when a dropped test file leaves policies uncovered', () => {
    checkout(path.join(root, 'policies'));
    unlinkSync(path.join(repo, 'policies/tests/tools.yaml'));
    const r = runStep('test');
    expect(r.status).toBe(1);
    expect(`${r.stdout}\n${r.stderr}`).toContain('tools-engineering-read');
    expect(r.stdout).toMatch(/^::error file=policies\/tools\.cedar,line=\d+,title=callgate test%3A coverage in policy tools-engineering-read::/m);
    expect(existsSync(path.join(repo, 'reports/policy-tests.xml'))).toBe(true);
  });

  it('fails impact when a recorded denied call would be allowed, with a Markdown summary naming the policy and file', () => {
    const fixtures = path.join(root, 'test/fixtures/impact');
    checkout(path.join(fixtures, 'head'), path.join(fixtures, 'base'));
    mkdirSync(path.join(repo, 'policy-ci/decisions'), { recursive: true });
    cpSync(path.join(fixtures, 'decisions.jsonl'), path.join(repo, 'policy-ci/decisions/recorded.jsonl'));
    const r = runStep('impact');
    expect(r.status).toBe(1);
    const markdown = readFileSync(path.join(repo, 'impact.md'), 'utf8');
    expect(markdown).toMatch(/deny.*allow/i);
    expect(markdown).toMatch(/policies\/orders\.cedar:\d+/);
    expect(r.summary).toBe(markdown);
  });
});
