/**
 * Formats Cedar policy text with Cedar's own formatter (cedar-wasm `formatPolicies`, the code behind
 * `cedar format`), keeping comments. Text Cedar cannot parse is reported with file:line:column, not formatted.
 */
import { formatPolicies } from '@cedar-policy/cedar-wasm/nodejs';
import type { BundleProblem } from './types';
import { problemsFromCedar } from './cedar-problems';

export type FormatResult = { readonly kind: 'formatted'; readonly text: string } | { readonly kind: 'invalid'; readonly problems: readonly BundleProblem[] };

export function formatPolicyText(file: string, text: string): FormatResult {
  if (text.trim() === '') return { kind: 'formatted', text };
  const answer = formatPolicies({ policyText: text });
  if (answer.type === 'failure') {
    const problems = problemsFromCedar(answer.errors, 'format', (byteOffset) => ({ file, text, byteOffset }), file);
    return { kind: 'invalid', problems: problems.length > 0 ? problems : [{ code: 'format', file, message: 'Cedar could not format this file' }] };
  }
  return { kind: 'formatted', text: answer.formatted_policy };
}
