/**
 * `callgate fmt [DIR] [--check|--write]`: every `*.cedar` file of the bundle (the files the loader reads)
 * through Cedar's formatter. `--check` (the default) lists the files that are not formatted; `--write`
 * rewrites them. Files Cedar cannot parse are reported with file:line:column. The schema file is not
 * formatted (Cedar's formatter handles policies only).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readBundleFiles, type BundleFile } from '../policy/bundle-files';
import { formatPolicyText } from '../policy/format-policy-text';
import { formatProblems } from '../policy/format-problems';
import type { BundleProblem } from '../policy/types';

export type FmtMode = 'check' | 'write';

export interface FmtResult {
  /** True when every file is formatted (check) or could be formatted (write), and none failed to parse. */
  readonly ok: boolean;
  /** Paths (DIR joined with the bundle path) that were not formatted: listed by check, rewritten by write. */
  readonly changed: readonly string[];
  readonly problems: readonly BundleProblem[];
  /** Lines for stdout: the changed paths. */
  readonly output: string;
  /** Lines for stderr: problems and the summary. */
  readonly diagnostics: string;
}

export async function runFmt(dir: string, mode: FmtMode): Promise<FmtResult> {
  let files: readonly BundleFile[];
  try {
    files = (await readBundleFiles(dir)).policies;
  } catch (err) {
    const problem: BundleProblem = { code: 'io', file: dir, message: `cannot read the bundle: ${(err as Error).message}` };
    return { ok: false, changed: [], problems: [problem], output: '', diagnostics: formatProblems([problem]) };
  }
  const changed: string[] = [];
  const problems: BundleProblem[] = [];
  for (const file of files) {
    const path = join(dir, file.path);
    const result = formatPolicyText(path, file.text);
    if (result.kind === 'invalid') {
      problems.push(...result.problems);
      continue;
    }
    if (result.text === file.text) continue;
    changed.push(path);
    if (mode === 'write') await writeFile(path, result.text, 'utf8');
  }
  const ok = problems.length === 0 && (mode === 'write' || changed.length === 0);
  return { ok, changed, problems, output: changed.join('\n'), diagnostics: [formatProblems(problems), summarize(dir, mode, files.length, changed.length)].filter((s) => s !== '').join('\n') };
}

function summarize(dir: string, mode: FmtMode, total: number, changed: number): string {
  if (mode === 'write') return `${changed} of ${total} policy files in ${dir} reformatted`;
  if (changed === 0) return `${total} policy files in ${dir} are formatted`;
  return `${changed} of ${total} policy files in ${dir} are not formatted: run callgate fmt --write ${dir}`;
}
