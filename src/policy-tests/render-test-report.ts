/** `callgate test` output: human text (pass/fail per case, expected vs actual, coverage), JSON, or GitHub annotations. */
import { join } from 'node:path';
import { formatProblemsGithub } from '../policy/format-problems';
import type { BundleProblem } from '../policy/types';
import type { CaseResult, Coverage, PolicyTestRun } from './run-policy-tests';

export interface ReportOptions {
  /** The bundle directory as the user gave it (prefixes file paths). */
  readonly dir: string;
  readonly coverage: boolean;
  readonly minCoverage?: number;
}

type Ran = Extract<PolicyTestRun, { kind: 'ran' }>;

export function coverageOk(coverage: Coverage, minCoverage: number | undefined): boolean {
  return minCoverage === undefined || coverage.percent >= minCoverage;
}

export function renderHuman(run: Ran, options: ReportOptions): string {
  const lines: string[] = [];
  for (const r of run.results) {
    const where = `${join(options.dir, r.file)}:${r.line}`;
    if (r.passed) {
      lines.push(`PASS ${where} ${r.name}`);
      continue;
    }
    lines.push(`FAIL ${where} ${r.name}`);
    for (const m of r.mismatches) {
      lines.push(`  ${m.field}:`, `    - expected ${m.expected}`, `    + actual   ${m.actual}`);
    }
    if (r.actual.errors.length > 0) lines.push(`  why: ${r.actual.errors.join('; ')}`);
  }
  const failed = run.results.filter((r) => !r.passed).length;
  lines.push('', `${run.results.length - failed} passed, ${failed} failed, ${run.results.length} cases in ${run.files.length} files (bundle revision ${run.revision})`);
  if (options.coverage || options.minCoverage !== undefined) lines.push(...renderCoverage(run.coverage, options));
  return lines.join('\n');
}

function renderCoverage(coverage: Coverage, options: ReportOptions): string[] {
  const lines = [`policy coverage: ${coverage.percent}% (${coverage.covered.length} of ${coverage.total} policies decided a passing case)`];
  for (const p of coverage.uncovered) {
    const where = p.file === undefined ? '' : ` (${join(options.dir, p.file)}:${p.line ?? '?'})`;
    lines.push(`  not covered: ${p.id}${where}`);
  }
  if (!coverageOk(coverage, options.minCoverage)) lines.push(`coverage ${coverage.percent}% is below the minimum ${options.minCoverage}%`);
  return lines;
}

export function renderJson(run: Ran, options: ReportOptions): string {
  const cases = run.results.map((r: CaseResult) => ({
    file: join(options.dir, r.file),
    line: r.line,
    name: r.name,
    passed: r.passed,
    mismatches: r.mismatches,
    actual: {
      decision: r.actual.decision,
      policies: r.actual.policies,
      obligations: r.actual.obligations,
      code: r.actual.code,
      reason: r.actual.reason,
      approval_group: r.actual.approvalGroup,
      caller_kind: r.actual.callerKind,
      errors: r.actual.errors,
    },
  }));
  const failed = run.results.filter((r) => !r.passed).length;
  const coverage = {
    percent: run.coverage.percent,
    total: run.coverage.total,
    covered: run.coverage.covered,
    uncovered: run.coverage.uncovered.map((p) => ({ id: p.id, file: p.file === undefined ? undefined : join(options.dir, p.file), line: p.line })),
    min: options.minCoverage,
    ok: coverageOk(run.coverage, options.minCoverage),
  };
  return JSON.stringify({ ok: failed === 0 && coverage.ok, revision: run.revision, passed: run.results.length - failed, failed, cases, coverage }, null, 2);
}

/** Failures and (below --min-coverage) uncovered policies as problems at their file:line, for CI annotations. */
export function reportProblems(run: Ran, options: ReportOptions): BundleProblem[] {
  const failures = run.results
    .filter((r) => !r.passed)
    .map((r) => ({
      code: 'test-failed',
      file: join(options.dir, r.file),
      line: r.line,
      message: `${r.name}: ${r.mismatches.map((m) => `${m.field} expected ${m.expected}, actual ${m.actual}`).join('; ')}`,
    }));
  if (coverageOk(run.coverage, options.minCoverage)) return failures;
  const uncovered = run.coverage.uncovered.map((p) => ({
    code: 'coverage',
    ...(p.file === undefined ? {} : { file: join(options.dir, p.file) }),
    ...(p.line === undefined ? {} : { line: p.line }),
    policyId: p.id,
    message: `policy ${p.id} decided no passing test case (coverage ${run.coverage.percent}% < ${options.minCoverage}%)`,
  }));
  return [...failures, ...uncovered];
}

/** Human report followed by GitHub workflow annotations (`::error file=…,line=…::`) for each problem. */
export function renderGithub(run: Ran, options: ReportOptions): string {
  const annotations = formatProblemsGithub(reportProblems(run, options), 'callgate test');
  return annotations === '' ? renderHuman(run, options) : `${renderHuman(run, options)}\n${annotations}`;
}
