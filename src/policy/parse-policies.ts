/**
 * Splits every `*.cedar` file into its policies, keeping each policy's original text and where it starts
 * in its file (so Cedar's offsets, which are relative to the policy text, map back to file:line:col).
 */
import { policySetTextToParts, policyToJson, type PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { BundleFile } from './bundle-files';
import type { BundleProblem } from './types';
import { problemsFromCedar } from './cedar-problems';
import { byteOffsetOf, locateByteOffset } from './source-location';

export interface PolicySource {
  readonly file: string;
  readonly fileText: string;
  /** The policy's own text, exactly as written. */
  readonly text: string;
  /** UTF-8 byte offset of `text` inside its file. */
  readonly byteOffset: number;
  readonly json: PolicyJson;
}

export function parsePolicyFiles(files: readonly BundleFile[]): { policies: PolicySource[]; problems: BundleProblem[] } {
  const policies: PolicySource[] = [];
  const problems: BundleProblem[] = [];
  for (const file of files) {
    const result = parsePolicyFile(file);
    policies.push(...result.policies);
    problems.push(...result.problems);
  }
  return { policies, problems };
}

function parsePolicyFile(file: BundleFile): { policies: PolicySource[]; problems: BundleProblem[] } {
  const locate = (byteOffset: number) => ({ file: file.path, text: file.text, byteOffset });
  const parts = policySetTextToParts(file.text);
  if (parts.type === 'failure') return { policies: [], problems: problemsFromCedar(parts.errors, 'parse', locate, file.path) };
  const problems: BundleProblem[] = parts.policy_templates.map((t) => ({
    code: 'template',
    ...problemAt(file, file.text.indexOf(t)),
    message: 'policy templates are not supported in a bundle; write static policies',
  }));
  const policies: PolicySource[] = [];
  let cursor = 0;
  for (const text of inSourceOrder(parts.policies)) {
    const found = file.text.indexOf(text, cursor);
    const index = found >= 0 ? found : file.text.indexOf(text);
    if (found >= 0) cursor = found + text.length;
    const json = policyToJson(text);
    if (json.type === 'failure') {
      problems.push(...problemsFromCedar(json.errors, 'parse', (o) => locate(byteOffsetOf(file.text, Math.max(index, 0)) + o), file.path));
      continue;
    }
    policies.push({ file: file.path, fileText: file.text, text, byteOffset: byteOffsetOf(file.text, Math.max(index, 0)), json: json.json });
  }
  return { policies, problems };
}

/**
 * `policySetTextToParts` returns the policies ordered by their generated ids "policy0", "policy1", ...
 * compared as strings ("policy10" before "policy2"); this undoes that ordering.
 */
function inSourceOrder(parts: readonly string[]): string[] {
  const ids = parts.map((_, i) => `policy${i}`);
  const sortedIds = [...ids].sort();
  const ordered: string[] = new Array<string>(parts.length);
  sortedIds.forEach((id, position) => {
    ordered[Number(id.slice('policy'.length))] = parts[position] ?? '';
  });
  return ordered;
}

export function problemAt(file: BundleFile, charIndex: number): { file: string; line?: number; column?: number } {
  if (charIndex < 0) return { file: file.path };
  return { file: file.path, ...locateByteOffset(file.text, byteOffsetOf(file.text, charIndex)) };
}
