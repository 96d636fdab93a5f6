/**
 * One audit record per decision (design §6), built as an allow-list projection of the Outcome: only the
 * fields named here ever reach the audit trail — never a token or a header. Arguments are kept as a
 * SHA-256 digest of their canonical JSON (RFC 8785) and, unless `audit.args` is `digest`, as a copy with
 * sensitive values masked and @redact_args fields removed (audit-args.ts), with the places masked listed.
 * The caller facts a replay needs (`callgate impact`) are kept too: kind, flags, issuer, scopes, groups.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { EntityUidJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Outcome } from '../authz/outcome';
import { builtInDetector } from '../masking/detectors';
import type { MaskStyle } from '../masking/types';
import { KNOWN_DETECTORS } from '../obligations/detectors';
import { maskArgs, type ArgsMasking } from './audit-args';

export interface AuditCaller {
  readonly kind: string;
  readonly interactive: boolean;
  readonly authenticated: boolean;
  readonly issuer: string;
  readonly scopes: readonly string[];
  /** The principal's parents (its groups) as `Type::"id"`. */
  readonly groups: readonly string[];
}

export interface AuditRecord {
  readonly time: string;
  readonly decision_id: string;
  readonly request_id: string;
  readonly principal: string;
  readonly caller_kind: string;
  readonly caller: AuditCaller | null;
  readonly protocol: string;
  readonly functions: readonly string[];
  readonly server: string;
  /** sha256 of the canonical JSON of each call's arguments, in call order. */
  readonly args_digests: readonly string[];
  /** Each call's arguments, masked (null when audit.args is digest). */
  readonly args: readonly unknown[] | null;
  /** Per call: JSON Pointers of the argument values masked or removed in `args`. */
  readonly args_masked: readonly (readonly string[])[] | null;
  readonly decision: 'allow' | 'deny';
  readonly reason: string;
  readonly deciding_policies: readonly string[];
  readonly errors: readonly string[];
  readonly obligations: { readonly mask: readonly string[]; readonly mask_fields: readonly string[]; readonly redact_args: readonly string[] } | null;
  readonly approval_group: string | null;
  /** The approval this decision asked for (deny) or consumed (allow; several are comma-joined), and who approved it. */
  readonly approval_id: string | null;
  readonly approver: string | null;
  readonly policy_revision: string;
  readonly latency_us: number;
}

export interface AuditRecordOptions {
  readonly args: 'masked' | 'digest';
  readonly masking: ArgsMasking;
}

/** Every built-in detector, full redaction: what records use unless configured otherwise. */
const FULL_STYLE: MaskStyle = { kind: 'full' };

export const DEFAULT_RECORD_OPTIONS: AuditRecordOptions = {
  args: 'masked',
  masking: { detectors: KNOWN_DETECTORS.map(builtInDetector), style: FULL_STYLE },
};

function digestOf(value: unknown): string {
  return createHash('sha256').update(canonicalize(value) ?? 'null').digest('hex');
}

export function uidText(uid: EntityUidJson): string {
  const plain = '__entity' in uid ? uid.__entity : uid;
  return `${plain.type}::${JSON.stringify(plain.id)}`;
}

function callerOf(outcome: Outcome): AuditCaller | null {
  const caller = outcome.caller;
  if (caller === undefined) return null;
  return {
    kind: caller.kind,
    interactive: caller.interactive,
    authenticated: caller.authenticated,
    issuer: caller.issuer,
    scopes: [...caller.scopes],
    groups: (caller.principal.parents ?? []).map(uidText),
  };
}

function argsOf(outcome: Outcome, options: AuditRecordOptions): Pick<AuditRecord, 'args' | 'args_masked'> {
  if (options.args === 'digest') return { args: null, args_masked: null };
  const redact = outcome.kind === 'allow' ? outcome.obligations.redactArgs : [];
  const masked = outcome.calls.map((c) => maskArgs(c.args, redact, options.masking));
  return { args: masked.map((m) => m.value), args_masked: masked.map((m) => m.masked) };
}

/** Throws when the arguments cannot be masked: such a record must not be written (see record-decision.ts). */
export function buildAuditRecord(outcome: Outcome, seconds: number, now: Date, options: AuditRecordOptions = DEFAULT_RECORD_OPTIONS): AuditRecord {
  const uid = outcome.caller?.principal.uid;
  return {
    time: now.toISOString(),
    decision_id: outcome.decisionId,
    request_id: outcome.requestId,
    principal: uid === undefined ? '' : `${uid.type}::${JSON.stringify(uid.id)}`,
    caller_kind: outcome.caller?.kind ?? '',
    caller: callerOf(outcome),
    protocol: outcome.protocol ?? '',
    functions: outcome.calls.map((c) => c.function),
    server: outcome.server ?? '',
    args_digests: outcome.calls.map((c) => digestOf(c.args)),
    ...argsOf(outcome, options),
    decision: outcome.kind,
    reason: outcome.kind === 'allow' ? 'none' : outcome.code,
    deciding_policies: [...outcome.decidingPolicies],
    errors: outcome.kind === 'deny' ? outcome.errors.map((e) => (e.policyId ? `${e.policyId}: ${e.message}` : e.message)) : [],
    obligations:
      outcome.kind === 'allow'
        ? { mask: [...outcome.obligations.mask], mask_fields: [...outcome.obligations.maskFields], redact_args: [...outcome.obligations.redactArgs] }
        : null,
    approval_group: outcome.kind === 'deny' ? outcome.approval?.group ?? null : null,
    ...approvalFieldsOf(outcome),
    policy_revision: outcome.bundleRevision ?? '',
    latency_us: Math.round(seconds * 1e6),
  };
}

function approvalFieldsOf(outcome: Outcome): { approval_id: string | null; approver: string | null } {
  if (outcome.kind === 'deny') return { approval_id: outcome.approval?.id ?? null, approver: null };
  const used = outcome.approvals ?? [];
  return used.length === 0 ? { approval_id: null, approver: null } : { approval_id: used.map((a) => a.id).join(','), approver: used.map((a) => a.approver).join(',') };
}
