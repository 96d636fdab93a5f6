/**
 * The approvals step of the pipeline (design §3), entered only when a call is denied by `@approval` forbids
 * and approvals are configured. For each call of the request:
 *   evaluate without approval → if an @approval forbid denies: find or create the approval bound to the
 *   call's fingerprint → (hold mode: wait for a decision) → if approved: evaluate again with
 *   `context.approval = {granted: true, id, approver}`.
 * When every call is allowed, each approval used is consumed atomically (single use); one that another
 * retry consumed first means this call needs a new approval. A store failure denies (ERR_APPROVAL_STORE).
 */
import type { Call, JsonValue } from '../calls/types';
import type { ApprovalGate } from '../approvals/approval-service';
import { computeFingerprint } from '../approvals/fingerprint';
import { parseEntityUid } from '../approvals/membership';
import type { Approval, EntityRef } from '../approvals/types';
import type { Obligations, PolicyDecision } from '../policy/types';
import { mergeObligations } from '../obligations/merge-obligations';
import type { ApprovalState } from './cedar-context';
import type { AllowOutcome, DenyOutcome, Outcome } from './outcome';

export interface ApprovalFlowDeps {
  readonly gate: ApprovalGate;
  /** Hold mode: how long a Check waits for a decision (0 = answer approval_required at once). */
  readonly holdMs: number;
  maskInput(input: Call['args']): JsonValue;
}

/** What the flow needs from the pipeline: evaluation of one call with a given approval state, and denials. */
export interface FlowContext {
  readonly decisionId: string;
  readonly principal: EntityRef;
  readonly onBehalfOf?: EntityRef;
  readonly mcp: { readonly jsonRpcIds?: readonly (string | number | null)[] };
  evaluate(call: Call, approval: ApprovalState): PolicyDecision | DenyOutcome;
  denyFrom(decision: Extract<PolicyDecision, { kind: 'deny' }>): DenyOutcome;
  deny(code: 'ERR_APPROVAL_STORE', detail: string): DenyOutcome;
  allow(decidingPolicies: readonly string[], obligations: Obligations, used: readonly Approval[]): AllowOutcome;
}

type CallVerdict =
  | { readonly kind: 'allowed'; readonly decision: Extract<PolicyDecision, { kind: 'allow' }>; readonly approval?: Approval }
  | { readonly kind: 'denied'; readonly outcome: DenyOutcome };

function entityRefOf(text: string): EntityRef {
  return parseEntityUid(text) ?? { type: 'Group', id: text };
}

function approverOf(approval: Approval): string {
  return approval.decidedBy === undefined ? '' : `${approval.decidedBy.type}::${JSON.stringify(approval.decidedBy.id)}`;
}

export function grantedState(approval: Approval): ApprovalState {
  return { granted: true, id: approval.id, approver: approverOf(approval) };
}

/** The approval_required denial, carrying the approval's id, URL and expiry. */
function pendingDeny(ctx: FlowContext, deps: ApprovalFlowDeps, decision: PolicyDeny, approval: Approval): DenyOutcome {
  const base = ctx.denyFrom(decision);
  const group = decision.approval?.group ?? '';
  const policyIds = decision.approval?.policyIds ?? [];
  return {
    ...base,
    ...ctx.mcp,
    approval: { group, policyIds, id: approval.id, approveUrl: deps.gate.approveUrlOf(approval.id), expiresAt: approval.expiresAt, status: approval.status },
  };
}

type PolicyDeny = Extract<PolicyDecision, { kind: 'deny' }>;

function isOutcome(result: PolicyDecision | DenyOutcome): result is DenyOutcome {
  return 'decisionId' in result;
}

/** A deny that an approval can lift: every deciding forbid carries the same @approval group. */
export function needsApproval(decision: PolicyDecision): decision is PolicyDeny {
  return decision.kind === 'deny' && decision.code === 'ERR_APPROVAL_REQUIRED' && decision.approval !== undefined;
}

function denied(ctx: FlowContext, result: PolicyDeny | DenyOutcome): CallVerdict {
  return { kind: 'denied', outcome: { ...(isOutcome(result) ? result : ctx.denyFrom(result)), ...ctx.mcp } };
}

async function decideOne(ctx: FlowContext, deps: ApprovalFlowDeps, call: Call): Promise<CallVerdict> {
  const first = ctx.evaluate(call, { granted: false });
  if (isOutcome(first)) return denied(ctx, first);
  if (first.kind === 'allow') return { kind: 'allowed', decision: first };
  if (!needsApproval(first)) return denied(ctx, first);
  const approval = await findApproval(ctx, deps, call, first);
  const decided = approval.status === 'pending' && deps.holdMs > 0 ? await deps.gate.awaitDecision(approval, deps.holdMs) : approval;
  if (decided.status !== 'approved') return { kind: 'denied', outcome: pendingDeny(ctx, deps, first, decided) };
  const second = ctx.evaluate(call, grantedState(decided));
  if (isOutcome(second)) return denied(ctx, second);
  if (second.kind === 'allow') return { kind: 'allowed', decision: second, approval: decided };
  return denied(ctx, second);
}

function findApproval(ctx: FlowContext, deps: ApprovalFlowDeps, call: Call, needed: PolicyDeny): Promise<Approval> {
  const policyIds = [...(needed.approval?.policyIds ?? needed.decidingPolicies)].sort();
  const fingerprint = computeFingerprint({ principal: ctx.principal, function: call.function, server: call.server, policyIds, input: call.args });
  return deps.gate.requestApproval(
    {
      fingerprint,
      principal: ctx.principal,
      ...(ctx.onBehalfOf === undefined ? {} : { onBehalfOf: ctx.onBehalfOf }),
      function: call.function,
      server: call.server,
      policyId: policyIds.join(','),
      approverGroup: entityRefOf(needed.approval?.group ?? ''),
      maskedInput: deps.maskInput(call.args),
    },
    ctx.decisionId,
  );
}

export async function decideWithApprovals(ctx: FlowContext, deps: ApprovalFlowDeps, calls: readonly Call[]): Promise<Outcome> {
  try {
    const allows: Extract<PolicyDecision, { kind: 'allow' }>[] = [];
    const used: { readonly approval: Approval; readonly call: Call }[] = [];
    for (const call of calls) {
      const verdict = await decideOne(ctx, deps, call);
      if (verdict.kind === 'denied') return verdict.outcome;
      allows.push(verdict.decision);
      if (verdict.approval !== undefined) used.push({ approval: verdict.approval, call });
    }
    for (const { approval, call } of used) {
      if (await deps.gate.consumeApproval(approval, ctx.decisionId)) continue;
      // Another retry of the same call consumed it first: this one needs an approval of its own.
      const needed = ctx.evaluate(call, { granted: false });
      if (isOutcome(needed) || !needsApproval(needed)) return ctx.deny('ERR_APPROVAL_STORE', 'approval consumed concurrently');
      return pendingDeny(ctx, deps, needed, await findApproval(ctx, deps, call, needed));
    }
    const deciding = [...new Set(allows.flatMap((d) => d.decidingPolicies))].sort();
    return ctx.allow(deciding, mergeObligations(allows.map((d) => d.obligations)), used.map((u) => u.approval));
  } catch (err) {
    return ctx.deny('ERR_APPROVAL_STORE', err instanceof Error ? err.message : String(err));
  }
}
