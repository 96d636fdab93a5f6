/**
 * Renders bundle problems. Human: one per line, "file:line:col: message (help)". JSON: one object per problem
 * with the same fields. GitHub: one `::error` workflow command per problem, so each shows on its line of the
 * pull request.
 */
import type { BundleProblem } from './types';
import { formatAnnotation } from '../ci/github-commands';

export const PROBLEM_FORMATS = ['human', 'json', 'github'] as const;
export type ProblemFormat = (typeof PROBLEM_FORMATS)[number];

export function formatProblems(problems: readonly BundleProblem[]): string {
  return problems.map(formatProblem).join('\n');
}

export function formatProblem(problem: BundleProblem): string {
  const where = [problem.file ?? '<bundle>', problem.line, problem.column].filter((part) => part !== undefined).join(':');
  const help = problem.help === undefined ? '' : ` (${problem.help})`;
  const policy = problem.policyId === undefined || problem.message.includes(problem.policyId) ? '' : ` [policy ${problem.policyId}]`;
  return `${where}: ${problem.message}${help}${policy}`;
}

/** The JSON form of a problem: absent fields are left out, never null. */
export function problemToJson(problem: BundleProblem): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (problem.file !== undefined) out.file = problem.file;
  if (problem.line !== undefined) out.line = problem.line;
  if (problem.column !== undefined) out.column = problem.column;
  out.code = problem.code;
  if (problem.policyId !== undefined) out.policy = problem.policyId;
  out.message = problem.message;
  if (problem.help !== undefined) out.help = problem.help;
  return out;
}

export function formatProblemsGithub(problems: readonly BundleProblem[], tool: string): string {
  return problems
    .map((problem) =>
      formatAnnotation({
        level: 'error',
        ...(problem.file !== undefined ? { file: problem.file } : {}),
        ...(problem.line !== undefined ? { line: problem.line } : {}),
        ...(problem.column !== undefined ? { column: problem.column } : {}),
        title: `${tool}: ${problem.code}${problem.policyId === undefined ? '' : ` in policy ${problem.policyId}`}`,
        message: `${problem.message}${problem.help === undefined ? '' : `\nhelp: ${problem.help}`}`,
      }),
    )
    .join('\n');
}
