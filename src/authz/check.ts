/**
 * One Check, end to end but transport-free: authorize → encode the CheckResponse → record metrics and the
 * decision log once. Any exception becomes an explicit denied CheckResponse (never a gRPC error, which
 * `failure_mode_allow` could turn into an allow).
 */
import type { CheckRequestView } from '../envoy/check-request';
import type { CheckResponse } from '../generated/envoy/service/auth/v3/CheckResponse';
import { buildAllowResponse, buildDenyResponse } from '../envoy/check-response';
import { reasonOf, type ErrorCode } from '../errors';
import type { Logger } from '../log/logger';
import type { Metrics } from '../metrics/metrics';
import { authorize, type AuthorizeDeps } from './authorize';
import type { DenyOutcome, Outcome } from './outcome';
import { DEFAULT_TRAIL_SETTINGS, recordDecision, type AuditTrailSettings } from '../audit/record-decision';
import type { AuditSink } from '../audit/audit-sink';

export interface CheckDeps extends AuthorizeDeps {
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Monotonic clock in ns for latency (injected for tests). */
  hrtime(): bigint;
  /** One record per decision, written synchronously; a failing sink fails the Check closed. */
  readonly audit: AuditSink;
  /** How records are built and what a failing sink does (default: masked arguments, fail closed). */
  readonly auditSettings?: AuditTrailSettings;
}

export function failureOutcome(decisionId: string, code: ErrorCode, detail?: string): DenyOutcome {
  const outcome: DenyOutcome = { kind: 'deny', decisionId, requestId: '', calls: [], decidingPolicies: [], code, reason: reasonOf(code), errors: [] };
  return detail === undefined ? outcome : { ...outcome, detail };
}

/** Synchronous unless the pipeline had to verify a bearer token over the network. */
/** `deadlineMs`: the caller's gRPC deadline (epoch ms), which hold mode never waits past. */
export function handleCheck(request: CheckRequestView, deps: CheckDeps, deadlineMs?: number): CheckResponse | Promise<CheckResponse> {
  const started = deps.hrtime();
  try {
    const pending = authorize(request, deps, deadlineMs);
    if (pending instanceof Promise) {
      return pending.then(
        (outcome) => finishCheck(request, outcome, started, deps),
        (err: unknown) => failCheck(err, started, deps),
      );
    }
    return finishCheck(request, pending, started, deps);
  } catch (err) {
    return failCheck(err, started, deps);
  }
}

function finishCheck(request: CheckRequestView, outcome: Outcome, started: bigint, deps: CheckDeps): CheckResponse {
  let response: CheckResponse;
  try {
    response = outcome.kind === 'allow' ? buildAllowResponse(outcome, requestHeaderNames(request)) : buildDenyResponse(outcome);
  } catch (err) {
    return failCheck(err, started, deps);
  }
  const recorded = record(outcome, Number(deps.hrtime() - started) / 1e9, deps);
  return recorded.kind === 'recorded' ? response : buildDenyResponse(recorded.outcome);
}

function failCheck(err: unknown, started: bigint, deps: CheckDeps): CheckResponse {
  const outcome = failureOutcome(deps.newDecisionId(), 'ERR_INTERNAL', (err as Error).message);
  deps.log.error({ err, decision_id: outcome.decisionId }, 'check failed; denied');
  record(outcome, Number(deps.hrtime() - started) / 1e9, deps);
  return buildDenyResponse(outcome);
}

function requestHeaderNames(request: CheckRequestView): string[] {
  const http = request.attributes?.request?.http;
  const fromMap = (http?.header_map?.headers ?? []).map((h) => h.key.toLowerCase());
  return fromMap.length > 0 ? fromMap : Object.keys(http?.headers ?? {}).map((k) => k.toLowerCase());
}

/** Writes the audit record; when the sink fails under audit.on_failure=deny the decision becomes that deny. */
function writeAudit(decided: Outcome, seconds: number, deps: CheckDeps): { kind: 'recorded' } | { kind: 'failed-closed'; outcome: DenyOutcome } {
  const result = recordDecision(decided, seconds, deps.now(), deps.audit, deps.auditSettings ?? DEFAULT_TRAIL_SETTINGS);
  if (result.kind === 'written') return { kind: 'recorded' };
  deps.metrics.auditRecordsDropped.inc({ reason: result.reason });
  deps.log.error({ err: result.error, decision_id: decided.decisionId, reason: result.reason, fail_closed: result.failClosed }, 'audit record not written');
  if (!result.failClosed) return { kind: 'recorded' };
  const denied = failureOutcome(decided.decisionId, 'ERR_AUDIT_UNAVAILABLE', result.error.message);
  const jsonRpcIds = decided.calls.flatMap((c) => (c.jsonRpcId === undefined ? [] : [c.jsonRpcId]));
  const mcp = decided.protocol === 'mcp' ? { protocol: decided.protocol, jsonRpcIds } : {};
  return { kind: 'failed-closed', outcome: { ...denied, requestId: decided.requestId, calls: decided.calls, ...mcp } };
}

function record(decided: Outcome, seconds: number, deps: CheckDeps): ReturnType<typeof writeAudit> {
  const audited = writeAudit(decided, seconds, deps);
  const outcome = audited.kind === 'recorded' ? decided : audited.outcome;
  const reason = outcome.kind === 'allow' ? 'none' : outcome.code;
  deps.metrics.decisions.inc({ decision: outcome.kind, reason });
  deps.metrics.checkDuration.observe({ decision: outcome.kind }, seconds);
  if (outcome.kind === 'deny' && outcome.code === 'ERR_POLICY_EVALUATION') deps.metrics.evaluationErrors.inc();
  if (deps.log.isLevelEnabled('debug') || (outcome.kind === 'deny' && outcome.code === 'ERR_INTERNAL')) {
    deps.log.debug(
      {
        decision_id: outcome.decisionId,
        request_id: outcome.requestId,
        decision: outcome.kind,
        reason,
        detail: outcome.kind === 'deny' ? outcome.detail : undefined,
        functions: outcome.calls.map((c) => c.function),
        deciding_policies: outcome.decidingPolicies,
        seconds,
      },
      'decision',
    );
  }
  return audited;
}
