/**
 * `callgate test [DIR]`: run the bundle's policy tests (DIR/tests/*.yaml, docs/policy-tests.md) through
 * serve's own pipeline. Exit 0 when every case passes (and coverage meets --min-coverage), 1 on failures or
 * low coverage, 2 when the bundle, a test file or the options are invalid.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/load-config';
import { parseOptionsOf } from '../app';
import { formatProblem } from '../policy/format-problems';
import { runPolicyTests } from '../policy-tests/run-policy-tests';
import { coverageOk, renderGithub, renderHuman, renderJson, type ReportOptions } from '../policy-tests/render-test-report';
import { formatProblemsGithub, problemToJson } from '../policy/format-problems';
import { buildJunitXml } from '../policy-tests/junit-report';

export interface TestOptions {
  readonly coverage?: boolean;
  readonly minCoverage?: string;
  readonly junit?: string;
  readonly format?: string;
  /** callgate config file: identity.mapping (claims), identity.jwt_authn, limits. */
  readonly config?: string;
}

export interface CommandResult {
  /** 0 ok, 1 failures, 2 usage or invalid input (src/cli/main.ts EXIT). */
  readonly exitCode: 0 | 1 | 2;
  readonly stdout: string;
  readonly stderr: string;
}

const usage = (message: string): CommandResult => ({ exitCode: 2, stdout: '', stderr: `callgate test: ${message}` });

export async function runTest(dir: string, opts: TestOptions, env: Readonly<Record<string, string | undefined>> = process.env): Promise<CommandResult> {
  const format = opts.format ?? 'human';
  if (format !== 'human' && format !== 'json' && format !== 'github') return usage(`--format must be human, json or github, not ${JSON.stringify(format)}`);
  let minCoverage: number | undefined;
  if (opts.minCoverage !== undefined) {
    minCoverage = Number(opts.minCoverage);
    if (opts.minCoverage.trim() === '' || !Number.isFinite(minCoverage) || minCoverage < 0 || minCoverage > 100) return usage('--min-coverage must be a number from 0 to 100');
  }
  const config = loadConfig({ file: opts.config, env });
  const run = await runPolicyTests(dir, { identity: config.identity, parseOptions: parseOptionsOf(config), hrtime: () => process.hrtime.bigint() });
  if (run.kind === 'problems') {
    const located = run.problems.map((p) => ({ ...p, file: p.file === undefined || p.code === 'io' ? (p.file ?? dir) : join(dir, p.file) }));
    if (format === 'github') return { exitCode: 2, stdout: formatProblemsGithub(located, 'callgate test'), stderr: '' };
    if (format === 'json') return { exitCode: 2, stdout: JSON.stringify({ ok: false, problems: located.map(problemToJson) }, null, 2), stderr: '' };
    return { exitCode: 2, stdout: '', stderr: located.map(formatProblem).join('\n') };
  }
  const report: ReportOptions = { dir, coverage: opts.coverage === true, ...(minCoverage === undefined ? {} : { minCoverage }) };
  if (opts.junit !== undefined) {
    try {
      writeFileSync(opts.junit, buildJunitXml(run, report));
    } catch (err) {
      return usage(`cannot write the JUnit report: ${(err as Error).message}`);
    }
  }
  const ok = run.results.every((r) => r.passed) && coverageOk(run.coverage, minCoverage);
  const stdout = format === 'json' ? renderJson(run, report) : format === 'github' ? renderGithub(run, report) : renderHuman(run, report);
  return { exitCode: ok ? 0 : 1, stdout, stderr: '' };
}
