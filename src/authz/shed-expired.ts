/**
 * Load shedding by deadline. Envoy sends its ext_authz timeout as the gRPC deadline; once it has passed,
 * Envoy has already answered the caller with `status_on_error` (a deny, with failure_mode_allow: false), so
 * evaluating the call would only lengthen the queue behind it. Such a Check is answered at once with an
 * explicit 503 deny (ERR_SERVICE_OVERLOADED) and counted, so a backlog drains at the speed of this check
 * instead of the speed of policy evaluation.
 */
import type { CheckResponse } from '../generated/envoy/service/auth/v3/CheckResponse';
import { buildDenyResponse } from '../envoy/check-response';
import type { Metrics } from '../metrics/metrics';
import { failureOutcome } from './check';

export function isExpired(deadlineMs: number, nowMs: number): boolean {
  return Number.isFinite(deadlineMs) && deadlineMs <= nowMs;
}

export function shedExpiredCheck(decisionId: string, metrics: Metrics): CheckResponse {
  metrics.decisions.inc({ decision: 'deny', reason: 'ERR_SERVICE_OVERLOADED' });
  return buildDenyResponse(failureOutcome(decisionId, 'ERR_SERVICE_OVERLOADED', 'caller deadline passed before evaluation'));
}
