/**
 * One audit record per decision (design §6), built as an allow-list projection of the Outcome: only the
 * fields named here ever reach the audit trail — never a token, a header, or the raw arguments (they are
 * kept as a SHA-256 digest of their canonical JSON, RFC 8785).
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Outcome } from '../authz/outcome';

export interface AuditRecord {
  readonly time: string;
  readonly decision_id: string;
  readonly request_id: string;
  readonly principal: string;
  readonly caller_kind: string;
  readonly functions: readonly string[];
  readonly server: string;
  /** sha256 of the canonical JSON of each call's arguments, in call order. */
  readonly args_digests: readonly string[];
  readonly decision: 'allow' | 'deny';
  readonly reason: string;
  readonly deciding_policies: readonly string[];
  readonly errors: readonly string[];
  readonly obligations: { readonly mask: readonly string[]; readonly mask_fields: readonly string[]; readonly redact_args: readonly string[] } | null;
  readonly approval_group: string | null;
  readonly policy_revision: string;
  readonly latency_us: number;
}

function digestOf(value: unknown): string {
  return createHash('sha256').update(canonicalize(value) ?? 'null').digest('hex');
}

export function buildAuditRecord(outcome: Outcome, seconds: number, now: Date): AuditRecord {
  const uid = outcome.caller?.principal.uid;
  return {
    time: now.toISOString(),
    decision_id: outcome.decisionId,
    request_id: outcome.requestId,
    principal: uid === undefined ? '' : `${uid.type}::${JSON.stringify(uid.id)}`,
    caller_kind: outcome.caller?.kind ?? '',
    functions: outcome.calls.map((c) => c.function),
    server: outcome.server ?? '',
    args_digests: outcome.calls.map((c) => digestOf(c.args)),
    decision: outcome.kind,
    reason: outcome.kind === 'allow' ? 'none' : outcome.code,
    deciding_policies: [...outcome.decidingPolicies],
    errors: outcome.kind === 'deny' ? outcome.errors.map((e) => (e.policyId ? `${e.policyId}: ${e.message}` : e.message)) : [],
    obligations:
      outcome.kind === 'allow'
        ? { mask: [...outcome.obligations.mask], mask_fields: [...outcome.obligations.maskFields], redact_args: [...outcome.obligations.redactArgs] }
        : null,
    approval_group: outcome.kind === 'deny' ? outcome.approval?.group ?? null : null,
    policy_revision: outcome.bundleRevision ?? '',
    latency_us: Math.round(seconds * 1e6),
  };
}
