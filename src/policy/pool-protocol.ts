/** Messages between the evaluation pool (main thread) and its policy workers. Plain, structured-clone data. */
import type { BundleProblem, AuthorizationInput, PolicyDecision } from './types';
import type { ValidatedBundle } from './validate-bundle';

export type ToWorker =
  /** Prepare `validated` as load `loadId` under `generation`, replacing any load that used the generation. */
  | { readonly kind: 'load'; readonly loadId: number; readonly generation: string; readonly validated: ValidatedBundle }
  /** Forget a load (its bundle no longer serves). */
  | { readonly kind: 'drop'; readonly loadId: number }
  /** Evaluate every task, back to back, in order (all the tasks given to this worker in one event-loop turn). */
  | { readonly kind: 'evaluate'; readonly tasks: readonly EvaluationTask[] };

export interface EvaluationTask {
  readonly id: number;
  readonly loadId: number;
  readonly input: AuthorizationInput;
}

export type FromWorker =
  | { readonly kind: 'loaded'; readonly loadId: number }
  | { readonly kind: 'load-failed'; readonly loadId: number; readonly problems: readonly BundleProblem[] }
  /** One answer per task of an `evaluate` message, in its order. */
  | { readonly kind: 'decisions'; readonly answers: readonly { readonly id: number; readonly decision: PolicyDecision }[] };
