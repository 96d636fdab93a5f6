/** Turns Cedar's DetailedError values into BundleProblems with file, line and column. */
import type { DetailedError } from '@cedar-policy/cedar-wasm/nodejs';
import type { BundleProblem } from './types';
import { locateByteOffset } from './source-location';

/** Where a Cedar byte offset points: a file and the byte offset inside it. */
export interface SourceSpan {
  readonly file: string;
  readonly text: string;
  readonly byteOffset: number;
}

export type Locate = (byteOffset: number) => SourceSpan | undefined;

export function problemsFromCedar(errors: readonly DetailedError[], code: string, locate: Locate, fallbackFile?: string): BundleProblem[] {
  return errors.flatMap((error) => [
    problemFromCedar(error, code, locate, fallbackFile),
    ...problemsFromCedar(error.related ?? [], code, locate, fallbackFile),
  ]);
}

function problemFromCedar(error: DetailedError, code: string, locate: Locate, fallbackFile?: string): BundleProblem {
  const first = error.sourceLocations?.[0];
  const label = first?.label ?? undefined;
  const message = label ? `${error.message}: ${label}` : error.message;
  const help = error.help ?? undefined;
  const span = first === undefined ? undefined : locate(first.start);
  if (span === undefined) return withOptional({ code, message, file: fallbackFile }, help);
  const { line, column } = locateByteOffset(span.text, span.byteOffset);
  return withOptional({ code, message, file: span.file, line, column }, help);
}

function withOptional(problem: { code: string; message: string; file?: string | undefined; line?: number; column?: number }, help: string | undefined): BundleProblem {
  const out: { -readonly [K in keyof BundleProblem]: BundleProblem[K] } = { code: problem.code, message: problem.message };
  if (problem.file !== undefined) out.file = problem.file;
  if (problem.line !== undefined) out.line = problem.line;
  if (problem.column !== undefined) out.column = problem.column;
  if (help !== undefined && help !== '') out.help = help;
  return out;
}
