/**
 * Load shedding by deadline. Envoy sends its ext_authz timeout as the gRPC deadline; once it has passed,
 * Envoy has already answered the caller with `status_on_error` (a deny, with failure_mode_allow: false), so
 * evaluating the call would only lengthen the queue behind it. admit-check.ts answers such a Check at once
 * with an explicit 503 deny (ERR_SERVICE_OVERLOADED) and counts it, so a backlog drains at the speed of
 * this check instead of the speed of policy evaluation.
 */
export function isExpired(deadlineMs: number, nowMs: number): boolean {
  return Number.isFinite(deadlineMs) && deadlineMs <= nowMs;
}
