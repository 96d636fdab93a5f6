/**
 * Admission in front of the decision pipeline: a Check is either evaluated or answered at once with an
 * explicit 503 deny (ERR_SERVICE_OVERLOADED), never queued without bound. Two causes shed a Check:
 * - `deadline`: its gRPC deadline (Envoy's ext_authz timeout) has already passed (see shed-expired.ts);
 * - `in_flight`: `limits.max_in_flight` Checks are already being evaluated (including those waiting on a
 *   token verification or a worker), so this one would only wait behind them.
 * The count is released exactly once per admitted Check, whether it resolves, rejects or throws.
 */
import type { CheckResponse } from '../generated/envoy/service/auth/v3/CheckResponse';
import { buildDenyResponse } from '../envoy/check-response';
import type { Metrics } from '../metrics/metrics';
import { failureOutcome } from './check';
import { isExpired } from './shed-expired';

export type ShedCause = 'deadline' | 'in_flight';

export interface AdmissionDeps {
  /** Most Checks evaluated at once; the next one is shed. */
  readonly maxInFlight: number;
  readonly metrics: Metrics;
  newDecisionId(): string;
  nowMs(): number;
}

export type Evaluate = () => CheckResponse | Promise<CheckResponse>;

export interface CheckAdmission {
  /** Runs `evaluate` if the Check is admitted, else answers the 503 deny. */
  admit(deadlineMs: number, evaluate: Evaluate): CheckResponse | Promise<CheckResponse>;
  /** Checks admitted and not yet answered. */
  inFlight(): number;
}

export function createCheckAdmission(deps: AdmissionDeps): CheckAdmission {
  let inFlight = 0;
  const release = (): void => {
    inFlight -= 1;
    deps.metrics.inFlight.dec();
  };
  return {
    inFlight: () => inFlight,
    admit(deadlineMs, evaluate) {
      if (isExpired(deadlineMs, deps.nowMs())) return shedCheck('deadline', deps);
      if (inFlight >= deps.maxInFlight) return shedCheck('in_flight', deps);
      inFlight += 1;
      deps.metrics.inFlight.inc();
      return Promise.resolve().then(evaluate).finally(release);
    },
  };
}

const SHED_DETAIL: Record<ShedCause, string> = {
  deadline: 'caller deadline passed before evaluation',
  in_flight: 'too many checks in flight',
};

export function shedCheck(cause: ShedCause, deps: Pick<AdmissionDeps, 'metrics' | 'newDecisionId'>): CheckResponse {
  deps.metrics.decisions.inc({ decision: 'deny', reason: 'ERR_SERVICE_OVERLOADED' });
  deps.metrics.checksShed.inc({ cause });
  return buildDenyResponse(failureOutcome(deps.newDecisionId(), 'ERR_SERVICE_OVERLOADED', SHED_DETAIL[cause]));
}
