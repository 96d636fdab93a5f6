/**
 * How bundles are loaded and start serving, from `engine.*`: the validation cache directory, and with
 * `engine.workers` > 0 the worker pool. A bundle on the pool serves only once every worker holds it
 * (install waits for that), and the revision it replaces is dropped from the workers after the swap.
 * Installs are serialized, so reloads swap in the order they were loaded. A serving bundle's remaining
 * slices are preparsed in idle time (warm-bundle.ts); before the first one serves, the evaluating thread
 * compiles cedar-wasm's paths (prime-cedar.ts).
 */
import { createEvaluationPool, PoolLoadError, type EvaluationPool } from './evaluation-pool';
import type { LoadBundleOptions } from './load-bundle';
import type { BundleProblem, PolicyBundle } from './types';
import type { Logger } from '../log/logger';
import { primeCedar } from './prime-cedar';
import { warmBundle } from './warm-bundle';

export interface EngineSettings {
  readonly cache_dir: string;
  readonly workers: number;
  /** Most policies preparsed in cedar-wasm at once (0 = no limit); see prepare-engine.ts. */
  readonly max_prepared_policies: number;
}

export interface BundleEngine {
  /** loadBundle options for the first load and every reload. */
  readonly loadOptions: Omit<LoadBundleOptions, 'generation' | 'authorize'>;
  /** Calls `swap(bundle)` once the bundle may serve; answers the problems instead if the pool refused it. */
  install(bundle: PolicyBundle, swap: (bundle: PolicyBundle) => void): Promise<readonly BundleProblem[] | undefined>;
  close(): Promise<void>;
}

export interface BundleEngineDeps {
  readonly log: Logger;
  /** Counts worker threads that stopped unexpectedly (each is replaced). */
  onWorkerExit?(): void;
}

export function createBundleEngine(settings: EngineSettings, deps: BundleEngineDeps): BundleEngine {
  const pool: EvaluationPool | undefined =
    settings.workers > 0
      ? createEvaluationPool({
          size: settings.workers,
          maxPreparedPolicies: settings.max_prepared_policies,
          onWorkerExit: (exitCode) => {
            deps.log.error({ exit_code: exitCode }, 'policy worker stopped; its pending checks were denied; replacing it');
            deps.onWorkerExit?.();
          },
        })
      : undefined;
  const cacheDir = { ...(settings.cache_dir === '' ? {} : { cacheDir: settings.cache_dir }), maxPreparedPolicies: settings.max_prepared_policies };
  let serving: PolicyBundle | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const installNow = async (bundle: PolicyBundle, swap: (bundle: PolicyBundle) => void): Promise<readonly BundleProblem[] | undefined> => {
    try {
      await bundle.offThread?.ready;
    } catch (err) {
      bundle.offThread?.release();
      return err instanceof PoolLoadError ? err.problems : [{ code: 'engine', message: `policy workers could not load the bundle: ${(err as Error).message}` }];
    }
    // The first bundle to serve on the main thread: compile cedar-wasm's paths now, not in the first Checks.
    if (bundle.offThread === undefined) primeCedar();
    const previous = serving;
    serving = bundle;
    swap(bundle);
    if (previous !== bundle) previous?.offThread?.release();
    // On the pool the workers warm their own copies; the main thread's copy only serves rare sync paths.
    if (bundle.offThread === undefined) warmBundle(bundle, () => serving === bundle && !closed);
    return undefined;
  };

  return {
    loadOptions: pool === undefined ? cacheDir : { ...cacheDir, offThread: (validated) => pool.stage(validated) },
    install(bundle, swap) {
      const done = queue.then(() => installNow(bundle, swap));
      queue = done;
      return done;
    },
    async close() {
      closed = true;
      await pool?.close();
    },
  };
}
