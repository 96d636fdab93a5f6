/** Renders bundle problems one per line: "file:line:col: message (help)". */
import type { BundleProblem } from './types';

export function formatProblems(problems: readonly BundleProblem[]): string {
  return problems.map(formatProblem).join('\n');
}

export function formatProblem(problem: BundleProblem): string {
  const where = [problem.file ?? '<bundle>', problem.line, problem.column].filter((part) => part !== undefined).join(':');
  const help = problem.help === undefined ? '' : ` (${problem.help})`;
  return `${where}: ${problem.message}${help}`;
}
