/**
 * Expected vs actual, strictly, so a case cannot pass by accident:
 * - decision, and the deciding policy set (always; [] = no policy decided, i.e. default deny);
 * - on allow: obligations, always (an omitted list means "none");
 * - on deny: the approval group, always (omitted = no approval offered); `reason` and `code` when given;
 *   a deny that is not a policy decision (an invalid call, an unknown function, an evaluation error, a
 *   refused identity) passes only when the case names its `code`;
 * - the caller kind, when the case gives `caller.kind`.
 */
import type { ErrorCode } from '../errors';
import type { CaseActual } from './decide-case';
import type { ExpectSpec } from './test-file-schema';

export interface Mismatch {
  readonly field: string;
  readonly expected: string;
  readonly actual: string;
}

/** Codes that mean "the policies decided" (as opposed to the request failing before or during evaluation). */
export const POLICY_DECISION_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['ERR_POLICY_DENIED', 'ERR_POLICY_NOT_PERMITTED', 'ERR_APPROVAL_REQUIRED', 'ERR_POLICY_UNAUTHENTICATED']);

const show = (v: unknown): string => (v === undefined ? '(none)' : JSON.stringify(v));
const sortedSet = (list: readonly string[] | undefined): string[] => [...new Set(list ?? [])].sort();

export function compareCase(expected: ExpectSpec, actual: CaseActual, expectedKind?: string): Mismatch[] {
  const out: Mismatch[] = [];
  const push = (field: string, e: unknown, a: unknown): void => {
    if (show(e) !== show(a)) out.push({ field, expected: show(e), actual: show(a) });
  };
  push('decision', expected.decision, actual.decision);
  push('policies', sortedSet(expected.policies), sortedSet(actual.policies));
  if (expectedKind !== undefined) push('caller.kind', expectedKind, actual.callerKind);
  if (expected.decision === 'allow' && actual.decision === 'allow') {
    const o = expected.obligations ?? {};
    push('obligations.mask', sortedSet(o.mask), sortedSet(actual.obligations.mask));
    push('obligations.mask_fields', sortedSet(o.mask_fields), sortedSet(actual.obligations.mask_fields));
    push('obligations.redact_args', sortedSet(o.redact_args), sortedSet(actual.obligations.redact_args));
  }
  if (expected.decision === 'deny' && actual.decision === 'deny') {
    push('approval_group', expected.approval_group, actual.approvalGroup);
    if (expected.reason !== undefined) push('reason', expected.reason, actual.reason);
    if (expected.code !== undefined) push('code', expected.code, actual.code);
    else if (actual.code !== undefined && !POLICY_DECISION_CODES.has(actual.code)) {
      out.push({ field: 'code', expected: 'a policy decision (name the code to expect this refusal)', actual: show(actual.code) });
    }
  }
  if (expected.decision !== actual.decision && actual.code !== undefined) push('code', expected.code, actual.code);
  return out;
}
