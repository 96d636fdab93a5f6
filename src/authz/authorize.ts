/**
 * The decision pipeline for one Check:
 *   mapCheckRequest → resolveCaller → parseCall → (per call) mapArgsToCedar → buildCedarContext → evaluate
 *   → combine (one deny denies the whole batch; obligations are merged) → Outcome.
 * Pure apart from the injected clock, id source and current bundle. It never throws for bad input: every
 * failure is a DenyOutcome with its code.
 */
import type { Call, HttpRequestView, ParseOptions } from '../calls/types';
import { parseCall } from '../calls/parse-call';
import { mapArgsToCedar } from '../calls/args-to-cedar';
import { mapCheckRequest, type CheckRequestView, type RequestFacts } from '../envoy/check-request';
import type { IdentityConfig } from '../identity/resolve-caller';
import { resolveRequestCaller, type IdentityResult } from '../identity/resolve-request-caller';
import type { TokenVerifier } from '../identity/token-verifier';
import type { Caller } from '../identity/types';
import type { AuthorizationInput, Obligations, OffThreadEvaluation, PolicyBundle, PolicyDecision } from '../policy/types';
import { httpStatusOf, reasonOf, type ErrorCode } from '../errors';
import { mergeObligations } from '../obligations/merge-obligations';
import { buildCedarContext, NOT_APPROVED, type ApprovalState } from './cedar-context';
import type { AllowOutcome, DenyOutcome, Outcome, OutcomeBase } from './outcome';
import { withVisibleTools } from './tool-visibility';
import { decideWithApprovals, type ApprovalFlowDeps } from './approval-flow';
import type { EvaluationBatch } from '../policy/evaluation-batch';

export interface AuthorizeDeps {
  /** Just-in-time approvals (approvals.*); undefined: an @approval deny is answered without an approval. */
  readonly approvals?: ApprovalFlowDeps;
  readonly identity: IdentityConfig;
  /** callgate's own bearer-token verification; undefined when no issuer is configured. */
  readonly tokenVerifier?: TokenVerifier;
  readonly parseOptions: ParseOptions;
  /** engine.batch_max > 0 in the main thread: Cedar calls are queued and evaluated back to back once per turn. */
  readonly evaluationBatch?: EvaluationBatch;
  /** The bundle serving now; undefined before the first valid load. */
  currentBundle(): PolicyBundle | undefined;
  now(): Date;
  newDecisionId(): string;
}

interface Prepared {
  readonly base: OutcomeBase;
  readonly view: HttpRequestView;
  readonly facts: RequestFacts;
  readonly caller: Caller;
  readonly bundle: PolicyBundle;
  /** context.approval for every call; serve passes NOT_APPROVED. */
  readonly approval?: ApprovalState;
}

function deny(base: OutcomeBase, code: ErrorCode, extra: Partial<DenyOutcome> = {}): DenyOutcome {
  return { ...base, kind: 'deny', code, reason: reasonOf(code), errors: [], ...extra };
}

/** `deadlineMs`: the caller's gRPC deadline (epoch ms); hold mode stops waiting for a decision before it. */
export function authorize(request: CheckRequestView, deps: AuthorizeDeps, deadlineMs?: number): Outcome | Promise<Outcome> {
  const decisionId = deps.newDecisionId();
  const mapped = mapCheckRequest(request);
  const base0: OutcomeBase = { decisionId, requestId: mapped.facts.requestId, calls: [], decidingPolicies: [] };
  const bundle = deps.currentBundle();
  if (bundle === undefined) return deny(base0, 'ERR_SERVICE_NO_BUNDLE');
  const base1 = { ...base0, bundleRevision: bundle.revision };
  if (mapped.kind === 'rejected') return deny(base1, mapped.code, { detail: mapped.message });

  const identity = resolveRequestCaller(mapped.identity, mapped.view.headers, deps.identity, deps.tokenVerifier);
  const finish = (outcome: Outcome): Outcome | Promise<Outcome> =>
    withApprovals(withResourceMetadata(outcome, deps), { view: mapped.view, facts: mapped.facts, bundle, deadlineMs }, deps);
  const rest = (result: IdentityResult): Outcome | Promise<Outcome> => {
    if (result.kind === 'failed') return finish(denyIdentity(base1, result, mapped.view, deps));
    const base2 = { ...base1, caller: result.caller };
    const later = laterEvaluation(bundle, deps.evaluationBatch);
    if (later === undefined) return finish(authorizeCaller(base2, mapped.view, mapped.facts, bundle, deps));
    return authorizeCallerLater(base2, mapped.view, mapped.facts, bundle, later, deps).then(finish);
  };
  // Only a token verified over the network (or evaluation on the worker pool) makes the pipeline asynchronous.
  return identity instanceof Promise ? identity.then(rest) : rest(identity);
}

/**
 * An @approval deny for an authenticated caller, with approvals configured, goes through the approvals step
 * (approval-flow.ts): the calls are decided again there, with the approval bound to each call.
 */
function withApprovals(outcome: Outcome, req: { view: HttpRequestView; facts: RequestFacts; bundle: PolicyBundle; deadlineMs?: number }, deps: AuthorizeDeps): Outcome | Promise<Outcome> {
  const configured = deps.approvals;
  const caller = outcome.caller;
  if (configured === undefined || outcome.kind !== 'deny' || outcome.code !== 'ERR_APPROVAL_REQUIRED' || caller === undefined || !caller.authenticated) return outcome;
  const flow = { ...configured, holdMs: holdWithin(configured.holdMs, req.deadlineMs, Date.now()) };
  const { decisionId, requestId, calls, server, protocol, bundleRevision } = outcome;
  const base: OutcomeBase = { decisionId, requestId, caller, calls, server, protocol, decidingPolicies: [], bundleRevision };
  const p: Prepared = { base, view: req.view, facts: req.facts, caller, bundle: req.bundle };
  const mcp = protocol === 'mcp' ? { jsonRpcIds: calls.filter((c) => c.jsonRpcId !== undefined).map((c) => c.jsonRpcId as string | number | null) } : {};
  const now = deps.now();
  const uid = caller.principal.uid;
  const onBehalfOf = caller.relatedEntities.map((e) => e.uid as { type: string; id: string }).find((u) => u.type === 'User' && caller.kind === 'agent');
  return decideWithApprovals(
    {
      decisionId,
      principal: { type: uid.type, id: uid.id },
      ...(onBehalfOf === undefined ? {} : { onBehalfOf: { type: onBehalfOf.type, id: onBehalfOf.id } }),
      mcp,
      evaluate: (call, approval) => {
        const result = decideCall({ ...p, approval }, call, now);
        return result.kind === 'policy' ? result.decision : result;
      },
      denyFrom: (d) => denyFromDecision(p, d),
      deny: (code, detail) => deny(base, code, { detail, ...mcp }),
      allow: (decidingPolicies, obligations, used): AllowOutcome => ({
        ...base,
        kind: 'allow',
        decidingPolicies,
        obligations,
        approvals: used.map((a) => ({ id: a.id, approver: a.decidedBy === undefined ? '' : `${a.decidedBy.type}::${JSON.stringify(a.decidedBy.id)}` })),
      }),
    },
    flow,
    calls,
  );
}

/** Hold mode never outlives the caller: it ends HOLD_MARGIN_MS before the gRPC deadline Envoy set. */
const HOLD_MARGIN_MS = 100;
function holdWithin(holdMs: number, deadlineMs: number | undefined, nowMs: number): number {
  if (holdMs <= 0 || deadlineMs === undefined || !Number.isFinite(deadlineMs)) return holdMs;
  return Math.max(0, Math.min(holdMs, deadlineMs - nowMs - HOLD_MARGIN_MS));
}

/** An identity failure: 401 with its code (and the JSON-RPC ids on MCP routes). */
function denyIdentity(base: OutcomeBase, failure: Extract<IdentityResult, { kind: 'failed' }>, view: HttpRequestView, deps: AuthorizeDeps): DenyOutcome {
  const parsed = parseCall(view, deps.parseOptions);
  const extra: Partial<DenyOutcome> = { detail: failure.message };
  if (parsed.protocol === 'mcp') {
    const ids = parsed.kind === 'rejected' ? (parsed.jsonRpcId === undefined ? [] : [parsed.jsonRpcId]) : parsed.calls.flatMap((c) => (c.jsonRpcId === undefined ? [] : [c.jsonRpcId]));
    Object.assign(extra, { protocol: 'mcp', jsonRpcIds: ids });
  }
  return deny(base, failure.code, extra);
}

/** MCP 401s (a refused token, or no credentials where policy wants them) point to the RFC 9728 metadata. */
function withResourceMetadata(outcome: Outcome, deps: AuthorizeDeps): Outcome {
  const url = deps.identity.resource_metadata_url ?? '';
  if (url === '' || outcome.kind !== 'deny' || outcome.protocol !== 'mcp' || httpStatusOf(outcome.code) !== 401) return outcome;
  return { ...outcome, resourceMetadataUrl: url };
}

/**
 * The pipeline after identity, for a caller already established and a given approval state: `callgate test`
 * and `callgate explain` decide their cases here (parse → map arguments → context → evaluate → map), so what
 * policy tests prove is what serve enforces.
 */
export function authorizeAs(view: HttpRequestView, facts: RequestFacts, caller: Caller, approval: ApprovalState, deps: AuthorizeDeps): Outcome {
  const base0: OutcomeBase = { decisionId: deps.newDecisionId(), requestId: facts.requestId, calls: [], decidingPolicies: [] };
  const bundle = deps.currentBundle();
  if (bundle === undefined) return deny(base0, 'ERR_SERVICE_NO_BUNDLE');
  return authorizeCaller({ ...base0, bundleRevision: bundle.revision, caller }, view, facts, bundle, deps, approval);
}

function authorizeCaller(
  base2: OutcomeBase & { caller: Caller },
  view: HttpRequestView,
  facts: RequestFacts,
  bundle: PolicyBundle,
  deps: AuthorizeDeps,
  approval: ApprovalState = NOT_APPROVED,
): Outcome {
  const prepared = prepareCalls(base2, view, facts, bundle, deps, approval);
  if (prepared.kind === 'deny') return prepared;
  const { p, calls } = prepared;
  const now = deps.now();
  const steps: CallStep[] = [];
  for (const call of calls) {
    const step = decideCall(p, call, now);
    steps.push(step);
    if (step.kind === 'deny' || step.decision.kind === 'deny') break;
  }
  return combineSteps(p, calls, steps);
}

type LaterEvaluation = (input: AuthorizationInput) => Promise<PolicyDecision>;

/**
 * Where a Check's Cedar calls go when they are not evaluated inline: with engine.workers > 0 the bundle
 * carries the worker pool (off the main thread); else, with engine.batch_max > 0, the in-thread batch.
 */
function laterEvaluation(bundle: PolicyBundle, batch: EvaluationBatch | undefined): LaterEvaluation | undefined {
  const offThread: OffThreadEvaluation | undefined = bundle.offThread;
  if (offThread !== undefined) return (input) => offThread.evaluate(input);
  if (batch !== undefined) return (input) => batch.evaluate(bundle, input);
  return undefined;
}

/** authorizeCaller with each call evaluated later (worker pool or batch), in order, stopping at the first deny (the same steps). */
async function authorizeCallerLater(
  base2: OutcomeBase & { caller: Caller },
  view: HttpRequestView,
  facts: RequestFacts,
  bundle: PolicyBundle,
  evaluate: LaterEvaluation,
  deps: AuthorizeDeps,
): Promise<Outcome> {
  const prepared = prepareCalls(base2, view, facts, bundle, deps, NOT_APPROVED);
  if (prepared.kind === 'deny') return prepared;
  const { p, calls } = prepared;
  const now = deps.now();
  const steps: CallStep[] = [];
  for (const call of calls) {
    const input = cedarInputOf(p, call, now);
    const step: CallStep = input.kind === 'deny' ? input : { kind: 'policy', decision: await evaluate(input.input) };
    steps.push(step);
    if (step.kind === 'deny' || step.decision.kind === 'deny') break;
  }
  return combineSteps(p, calls, steps);
}

function prepareCalls(
  base2: OutcomeBase & { caller: Caller },
  view: HttpRequestView,
  facts: RequestFacts,
  bundle: PolicyBundle,
  deps: AuthorizeDeps,
  approval: ApprovalState,
): DenyOutcome | { readonly kind: 'calls'; readonly p: Prepared; readonly calls: readonly Call[] } {
  const caller = base2.caller;
  const parsed = parseCall(view, deps.parseOptions);
  if (parsed.kind === 'rejected') {
    const ids = parsed.jsonRpcId === undefined ? undefined : [parsed.jsonRpcId];
    const extra: Partial<DenyOutcome> = { detail: parsed.message, jsonRpcIds: ids };
    if (parsed.protocol !== undefined) Object.assign(extra, { protocol: parsed.protocol });
    if (parsed.jsonRpcCode !== undefined) Object.assign(extra, { jsonRpcCode: parsed.jsonRpcCode });
    return deny(base2, parsed.code, extra);
  }
  const base: OutcomeBase = { ...base2, calls: parsed.calls, server: parsed.server, protocol: parsed.protocol };
  return { kind: 'calls', p: { base, view, facts, caller, bundle, approval }, calls: parsed.calls };
}

type CallStep = { readonly kind: 'policy'; readonly decision: PolicyDecision } | DenyOutcome;

/** One deny denies the whole batch (the steps stop there); otherwise every allow's obligations merge. */
function combineSteps(p: Prepared, calls: readonly Call[], steps: readonly CallStep[]): Outcome {
  const jsonRpcIds = calls.filter((c) => c.jsonRpcId !== undefined).map((c) => c.jsonRpcId as string | number | null);
  const mcp = p.base.protocol === 'mcp' ? { jsonRpcIds } : {};
  const allows: Obligations[] = [];
  const deciding: string[] = [];
  for (const result of steps) {
    if (result.kind === 'deny') return { ...result, ...mcp };
    if (result.kind === 'policy' && result.decision.kind === 'deny') return { ...denyFromDecision(p, result.decision), ...mcp };
    if (result.kind === 'policy' && result.decision.kind === 'allow') {
      allows.push(result.decision.obligations);
      deciding.push(...result.decision.decidingPolicies);
    }
  }
  const decidingPolicies = [...new Set(deciding)].sort();
  const obligations = mergeObligations(allows);
  const outcome: AllowOutcome = { ...p.base, kind: 'allow', decidingPolicies, obligations };
  return withVisibleTools(outcome, p);
}

function decideCall(p: Prepared, call: Call, now: Date): CallStep {
  const input = cedarInputOf(p, call, now);
  return input.kind === 'deny' ? input : { kind: 'policy', decision: p.bundle.evaluate(input.input) };
}

function cedarInputOf(p: Prepared, call: Call, now: Date): DenyOutcome | { readonly kind: 'input'; readonly input: AuthorizationInput } {
  const mappedArgs = mapArgsToCedar(call.args);
  if (mappedArgs.kind === 'unmappable') {
    return deny(p.base, 'ERR_CALL_ARGS_UNMAPPABLE', { detail: `${mappedArgs.path}: ${mappedArgs.message}` });
  }
  const context = buildCedarContext(mappedArgs.value, p.caller, call, p.view, p.facts, now, p.approval ?? NOT_APPROVED);
  return { kind: 'input', input: { principal: p.caller.principal, requestEntities: p.caller.relatedEntities, action: call.function, resource: call.server, context } };
}

function denyFromDecision(p: Prepared, d: Extract<PolicyDecision, { kind: 'deny' }>): DenyOutcome {
  let code = d.code;
  // A policy deny for a caller with no credentials is "authenticate first" (401 + WWW-Authenticate): an
  // approval cannot be granted to an anonymous caller either.
  const policyDeny = code === 'ERR_POLICY_DENIED' || code === 'ERR_POLICY_NOT_PERMITTED' || code === 'ERR_APPROVAL_REQUIRED';
  if (!p.caller.authenticated && policyDeny) {
    code = 'ERR_POLICY_UNAUTHENTICATED';
  }
  const reason = code === 'ERR_POLICY_DENIED' && d.reason !== undefined ? d.reason : reasonOf(code);
  const detail = d.errors.map((e) => (e.policyId ? `${e.policyId}: ${e.message}` : e.message)).join('; ');
  const extra: Partial<DenyOutcome> = { decidingPolicies: d.decidingPolicies, errors: d.errors, reason };
  if (detail !== '') Object.assign(extra, { detail });
  if (d.approval !== undefined && code === 'ERR_APPROVAL_REQUIRED') Object.assign(extra, { approval: d.approval });
  return deny(p.base, code, extra);
}

