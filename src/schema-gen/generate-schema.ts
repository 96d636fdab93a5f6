/**
 * From what a source declares to the schema text: emit, then check the text with Cedar against callgate's
 * base schema exactly as a bundle's schema.cedarschema is loaded. The result is refused (never printed)
 * when any construct could not be expressed, unless the caller allows a partial schema.
 */
import { completeSchema } from '../policy/complete-schema';
import { readBaseSchema } from '../policy/load-bundle';
import { formatProblems } from '../policy/format-problems';
import type { GenerationProblem, SourceFunctions } from './cedar-type';
import { emitCedarSchema } from './emit-cedar-schema';
import { assertNever } from '../errors';

export type GenerationResult =
  | { readonly kind: 'complete'; readonly text: string }
  | { readonly kind: 'partial'; readonly text: string; readonly problems: readonly GenerationProblem[] }
  | { readonly kind: 'refused'; readonly problems: readonly GenerationProblem[] }
  /** The emitted text did not load: a generator bug, reported with Cedar's messages. */
  | { readonly kind: 'invalid'; readonly text: string; readonly errors: string };

export interface GenerateOptions {
  readonly allowPartial: boolean;
  /** Comment lines at the top (what the schema was generated from). */
  readonly header: readonly string[];
}

export async function generateSchema(source: SourceFunctions, options: GenerateOptions): Promise<GenerationResult> {
  const problems = [...source.problems, ...source.functions.flatMap((f) => f.problems)];
  if (problems.length > 0 && !options.allowPartial) return { kind: 'refused', problems };
  const header = [...options.header, ...source.problems.map((p) => `not expressed: ${p.pointer}: ${p.message}`)];
  const text = emitCedarSchema(header, source.groups, source.functions);
  const checked = completeSchema({ baseText: await readBaseSchema(), userFile: 'schema.cedarschema', userText: text });
  if (checked.kind === 'invalid') return { kind: 'invalid', text, errors: formatProblems(checked.problems) };
  return problems.length > 0 ? { kind: 'partial', text, problems } : { kind: 'complete', text };
}

/** What a `callgate schema from-…` command prints and how it exits (0 written, 1 problems, 2 unreadable input). */
export interface SchemaCommandResult {
  readonly exitCode: 0 | 1 | 2;
  /** The schema text, when one is produced. */
  readonly schema?: string;
  /** For stderr: every problem as `FILE#POINTER: message`, then a summary. */
  readonly diagnostics: string;
}

export function describeGeneration(file: string, result: GenerationResult): SchemaCommandResult {
  switch (result.kind) {
    case 'complete':
      return { exitCode: 0, schema: result.text, diagnostics: '' };
    case 'partial':
      return { exitCode: 0, schema: result.text, diagnostics: `${listProblems(file, result.problems)}\n${result.problems.length} construct(s) not expressed; the schema leaves them out (calls that use them are denied)` };
    case 'refused':
      return { exitCode: 1, diagnostics: `${listProblems(file, result.problems)}\n${result.problems.length} construct(s) cannot be expressed in Cedar; no schema written (--allow-partial writes it without them)` };
    case 'invalid':
      return { exitCode: 1, diagnostics: `the generated schema does not load (a callgate bug, please report it):\n${result.errors}` };
    default:
      return assertNever(result, 'generation result');
  }
}

function listProblems(file: string, problems: readonly GenerationProblem[]): string {
  return problems.map((p) => `${file}#${p.pointer}: ${p.message}`).join('\n');
}
