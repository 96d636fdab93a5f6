/**
 * A slice is preparsed from one policy-set text (prepare-engine.ts), so Cedar names its policies by
 * position: `policy0`, `policy1`, … in the order of the slice. toBundlePolicyIds maps the names in an
 * answer (deciding policies, errors) back to the bundle's policy ids. A name that is not a position of the
 * slice turns the answer into a failure, which is a deny: a decision is never tied to the wrong policy.
 */
import type { AuthorizationAnswer } from '@cedar-policy/cedar-wasm/nodejs';

const PREFIX = 'policy';

export function toBundlePolicyIds(answer: AuthorizationAnswer, policyIds: readonly string[]): AuthorizationAnswer {
  if (answer.type === 'failure') return answer;
  const { decision, diagnostics } = answer.response;
  const reason: string[] = [];
  for (const name of diagnostics.reason) {
    const id = bundleIdOf(name, policyIds);
    if (id === undefined) return unknownName(name, answer);
    reason.push(id);
  }
  const errors = [];
  for (const error of diagnostics.errors) {
    const id = bundleIdOf(error.policyId, policyIds);
    if (id === undefined) return unknownName(error.policyId, answer);
    errors.push({ ...error, policyId: id });
  }
  return { type: 'success', response: { decision, diagnostics: { reason, errors } }, warnings: answer.warnings };
}

function bundleIdOf(name: string, policyIds: readonly string[]): string | undefined {
  if (!name.startsWith(PREFIX)) return undefined;
  const digits = name.slice(PREFIX.length);
  const position = Number(digits);
  if (!Number.isSafeInteger(position) || String(position) !== digits) return undefined;
  return policyIds[position];
}

function unknownName(name: string, answer: AuthorizationAnswer): AuthorizationAnswer {
  const message = `Cedar named policy "${name}", which is not in the evaluated slice`;
  return { type: 'failure', errors: [{ message, help: null, code: null, url: null, severity: null }], warnings: answer.warnings };
}
