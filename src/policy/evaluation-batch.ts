/**
 * Batched in-thread evaluation (`engine.batch_max`, main-thread mode). Each Check's Cedar call is queued
 * and the queue is drained once per event-loop turn, the calls back to back, before any Check goes on to
 * its audit record and response. Interleaving every Cedar call with the rest of a Check's JS keeps
 * evicting each other's code and data from the CPU caches: on the bench bundle the same cedar-wasm calls
 * cost ~145 µs each inside the pipeline against ~90 µs back to back, and the JS around them ~40 % more
 * (bench/README.md, "Batched evaluation"). The decisions are the bundle's own (`bundle.evaluate`), in
 * arrival order; only when they run changes.
 *
 * A drain evaluates at most `maxBatch` calls, then yields (the Checks it decided are answered) and the
 * rest go in the next turn. Never rejects: an evaluation that throws is an ERR_POLICY_EVALUATION deny.
 */
import type { AuthorizationInput, PolicyBundle, PolicyDecision } from './types';

export interface EvaluationBatch {
  /** The bundle's decision for `input`, evaluated in the next drain. */
  evaluate(bundle: PolicyBundle, input: AuthorizationInput): Promise<PolicyDecision>;
  /** Calls queued and not yet evaluated. */
  queued(): number;
}

export interface EvaluationBatchOptions {
  /** Most calls evaluated in one drain (≥ 1). */
  readonly maxBatch: number;
  /** Runs a drain later (default setImmediate: after the turn's I/O callbacks); injected by tests. */
  readonly schedule?: (drain: () => void) => void;
}

interface Queued {
  readonly bundle: PolicyBundle;
  readonly input: AuthorizationInput;
  resolve(decision: PolicyDecision): void;
}

export function createEvaluationBatch(options: EvaluationBatchOptions): EvaluationBatch {
  if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${options.maxBatch}`);
  const schedule = options.schedule ?? ((drain: () => void) => void setImmediate(drain));
  let queue: Queued[] = [];
  let scheduled = false;

  const drain = (): void => {
    scheduled = false;
    const batch = queue.length <= options.maxBatch ? queue : queue.slice(0, options.maxBatch);
    queue = batch === queue ? [] : queue.slice(options.maxBatch);
    if (queue.length > 0) scheduleDrain();
    for (const item of batch) item.resolve(evaluateSafely(item.bundle, item.input));
  };
  const scheduleDrain = (): void => {
    if (scheduled) return;
    scheduled = true;
    schedule(drain);
  };

  return {
    evaluate(bundle, input) {
      return new Promise<PolicyDecision>((resolve) => {
        queue.push({ bundle, input, resolve });
        scheduleDrain();
      });
    },
    queued: () => queue.length,
  };
}

function evaluateSafely(bundle: PolicyBundle, input: AuthorizationInput): PolicyDecision {
  try {
    return bundle.evaluate(input);
  } catch (err) {
    return { kind: 'deny', code: 'ERR_POLICY_EVALUATION', decidingPolicies: [], errors: [{ message: err instanceof Error ? err.message : String(err) }] };
  }
}
