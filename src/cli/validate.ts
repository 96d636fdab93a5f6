/**
 * `callgate validate [DIR] [--format human|json|github]`: load the bundle exactly as serve would and report
 * every problem with file:line:column (paths as given: DIR joined with the file inside the bundle), the
 * policy id and Cedar's help. Exit codes (set by main.ts): 0 no problems, 1 problems, 2 usage.
 */
import { isAbsolute, join } from 'node:path';
import { loadBundle } from '../policy/load-bundle';
import { BASE_SCHEMA_FILE } from '../policy/complete-schema';
import { formatProblems, formatProblemsGithub, problemToJson, type ProblemFormat } from '../policy/format-problems';
import type { BundleProblem } from '../policy/types';
import { assertNever } from '../errors';
import { checkTestFiles } from '../policy-tests/read-test-files';

export interface ValidateOptions {
  readonly format?: ProblemFormat;
}

export interface ValidateResult {
  readonly ok: boolean;
  /** What to print: on stdout when ok or for machine formats (json, github), else on stderr. */
  readonly output: string;
  readonly problems: readonly BundleProblem[];
}

export async function runValidate(dir: string, options: ValidateOptions = {}): Promise<ValidateResult> {
  const format = options.format ?? 'human';
  const result = await loadBundle(dir, { fileReads: 'blocking' });
  const bundleProblems = result.kind === 'loaded' ? [] : result.problems;
  // Policy test files (tests/*.yaml, docs/policy-tests.md): their shape, with file:line.
  const problems = [...bundleProblems, ...(await checkTestFiles(dir))].map((p) => locateInDir(dir, p));
  const summary = result.kind === 'loaded' ? { policies: result.bundle.policyIds.length, revision: result.bundle.revision } : undefined;
  return { ok: problems.length === 0, output: renderResult(dir, format, problems, summary), problems };
}

function renderResult(dir: string, format: ProblemFormat, problems: readonly BundleProblem[], summary: { policies: number; revision: string } | undefined): string {
  switch (format) {
    case 'json':
      return JSON.stringify({ ok: problems.length === 0, dir, ...(summary ?? {}), problems: problems.map(problemToJson) });
    case 'github':
      return problems.length === 0 ? `callgate validate: ${dir}: no problems` : formatProblemsGithub(problems, 'callgate validate');
    case 'human':
      if (summary !== undefined && problems.length === 0) return `ok: ${dir}: ${summary.policies} policies, revision ${summary.revision}`;
      return `${formatProblems(problems)}\n${problems.length} problem${problems.length === 1 ? '' : 's'} in ${dir}`;
    default:
      return assertNever(format, 'format');
  }
}

/** Bundle problems name files inside the bundle; CI annotations need them relative to where validate ran. */
function locateInDir(dir: string, problem: BundleProblem): BundleProblem {
  const file = problem.file;
  if (file === undefined || file === dir || file === BASE_SCHEMA_FILE || isAbsolute(file)) return problem;
  return { ...problem, file: join(dir, file).split('\\').join('/') };
}

