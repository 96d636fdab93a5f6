/**
 * The worker pool behind `engine.workers` (N worker_threads, each with its own cedar-wasm instance). A
 * bundle revision is staged on every worker and serves only once every worker holds it (`ready`), so a
 * hot reload switches all workers at once; each task names its load, so a decision is always evaluated by
 * exactly the bundle the Check started with, never a mix. A worker that dies answers its pending tasks
 * with an ERR_POLICY_EVALUATION deny (fail closed) and is replaced; the replacement loads every live
 * revision before any task reaches it (messages to a worker are processed in order).
 *
 * Why not piscina: its workers cannot be addressed one by one (no broadcast; its maintainers point to a
 * MessagePort per worker), and loading a revision into every worker and waiting for each is the point here.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EvaluationTask, FromWorker, ToWorker } from './pool-protocol';
import type { AuthorizationInput, BundleProblem, OffThreadEvaluation, PolicyDecision } from './types';
import type { ValidatedBundle } from './validate-bundle';

export interface PoolOptions {
  readonly size: number;
  /** The worker script; default pool-worker.js beside this module, else the built one in dist/. */
  readonly workerFile?: string;
  /** Most policies each worker keeps preparsed (engine.max_prepared_policies; 0 or absent = no limit). */
  readonly maxPreparedPolicies?: number;
  /** Told when a worker stopped unexpectedly (it is replaced). */
  onWorkerExit?(exitCode: number): void;
}

export interface EvaluationPool {
  /** Loads a validated bundle into every worker; use `ready` before serving from it. */
  stage(validated: ValidatedBundle): OffThreadEvaluation;
  /** The worker threads now (tests stop one to see the pool recover). */
  threads(): readonly Worker[];
  close(): Promise<void>;
}

export class PoolLoadError extends Error {
  constructor(readonly problems: readonly BundleProblem[]) {
    super(`a policy worker refused the bundle: ${problems.map((p) => p.message).join('; ')}`);
    this.name = 'PoolLoadError';
  }
}

interface Slot {
  readonly worker: Worker;
  /** Every task given to the worker and not yet answered, posted or still in `outbox`. */
  readonly pending: Map<number, (decision: PolicyDecision) => void>;
  /** Tasks of this turn not yet posted. */
  outbox: EvaluationTask[];
}

interface LiveLoad {
  readonly generation: string;
  readonly validated: ValidatedBundle;
  readonly acks: Set<Slot>;
  settled: boolean;
  resolve(): void;
  reject(err: Error): void;
}

export const WORKER_CANDIDATES = [join(__dirname, 'pool-worker.js'), join(__dirname, '..', '..', 'dist', 'policy', 'pool-worker.js')];

const denied = (message: string): PolicyDecision => ({ kind: 'deny', code: 'ERR_POLICY_EVALUATION', decidingPolicies: [], errors: [{ message }] });

export function createEvaluationPool(options: PoolOptions): EvaluationPool {
  const file = options.workerFile ?? WORKER_CANDIDATES.find((f) => existsSync(f)) ?? WORKER_CANDIDATES[0] ?? '';
  const slots: Slot[] = [];
  const live = new Map<number, LiveLoad>();
  let nextTask = 0;
  let nextLoad = 0;
  let closed = false;

  const settleIfComplete = (load: LiveLoad): void => {
    if (!load.settled && slots.every((s) => load.acks.has(s))) {
      load.settled = true;
      load.resolve();
    }
  };
  const onMessage = (slot: Slot, message: FromWorker): void => {
    if (message.kind === 'decisions') {
      for (const { id, decision } of message.answers) {
        slot.pending.get(id)?.(decision);
        slot.pending.delete(id);
      }
      return;
    }
    const load = live.get(message.loadId);
    if (load === undefined) return;
    if (message.kind === 'loaded') {
      load.acks.add(slot);
      settleIfComplete(load);
    } else if (!load.settled) {
      load.settled = true;
      load.reject(new PoolLoadError(message.problems));
    }
  };
  const spawn = (): void => {
    const worker = new Worker(file, { workerData: { maxPreparedPolicies: options.maxPreparedPolicies ?? 0 } });
    const slot: Slot = { worker, pending: new Map(), outbox: [] };
    slots.push(slot);
    worker.on('message', (message: FromWorker) => onMessage(slot, message));
    worker.on('error', () => undefined); // 'exit' follows and does the work
    worker.on('exit', (code) => {
      const index = slots.indexOf(slot);
      if (index >= 0) slots.splice(index, 1);
      for (const answer of slot.pending.values()) answer(denied('the policy worker stopped'));
      slot.pending.clear();
      slot.outbox = [];
      if (closed) return;
      options.onWorkerExit?.(code);
      spawn();
    });
    for (const [loadId, load] of live) post(slot, { kind: 'load', loadId, generation: load.generation, validated: load.validated });
  };
  const flush = (slot: Slot): void => {
    if (slot.outbox.length === 0) return;
    const tasks = slot.outbox;
    slot.outbox = [];
    slot.worker.postMessage({ kind: 'evaluate', tasks } satisfies ToWorker);
  };
  // Loads and drops go after the tasks queued before them, so each task still meets the loads it was given under.
  const post = (slot: Slot, message: ToWorker): void => {
    flush(slot);
    slot.worker.postMessage(message);
  };
  let flushScheduled = false;
  const scheduleFlush = (): void => {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      for (const slot of slots) flush(slot);
    });
  };
  for (let i = 0; i < options.size; i += 1) spawn();

  const evaluateOn = (loadId: number, input: AuthorizationInput): Promise<PolicyDecision> => {
    let best: Slot | undefined;
    for (const slot of slots) if (best === undefined || slot.pending.size < best.pending.size) best = slot;
    if (best === undefined || closed) return Promise.resolve(denied('no policy worker is running'));
    const id = (nextTask += 1);
    const slot = best;
    return new Promise<PolicyDecision>((resolve) => {
      slot.pending.set(id, resolve);
      slot.outbox.push({ id, loadId, input });
      scheduleFlush();
    });
  };

  return {
    stage(validated) {
      const loadId = (nextLoad += 1);
      const used = new Set([...live.values()].map((l) => l.generation));
      const generation = ['a', 'b'].find((g) => !used.has(g)) ?? `g${loadId}`;
      let resolve!: () => void;
      let reject!: (err: Error) => void;
      const ready = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      live.set(loadId, { generation, validated, acks: new Set(), settled: false, resolve, reject });
      for (const slot of slots) post(slot, { kind: 'load', loadId, generation, validated });
      return {
        ready,
        evaluate: (input) => evaluateOn(loadId, input),
        release() {
          if (!live.delete(loadId)) return;
          for (const slot of slots) post(slot, { kind: 'drop', loadId });
        },
      };
    },
    threads: () => slots.map((s) => s.worker),
    async close() {
      closed = true;
      const stopping = slots.splice(0).map(async (slot) => {
        await slot.worker.terminate();
        for (const answer of slot.pending.values()) answer(denied('the policy worker pool closed'));
      });
      await Promise.all(stopping);
    },
  };
}
