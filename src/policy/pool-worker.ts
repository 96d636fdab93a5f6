/**
 * A policy worker thread (engine.workers > 0): holds prepared bundles by load id and evaluates exactly the
 * load each task names. A task for a load it does not hold (dropped, or replaced in its generation) is
 * denied, never evaluated against another bundle. The tasks of one message are evaluated back to back and
 * answered in one message. All state lives in serveWorker's closure.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { prepareBundle } from './load-bundle';
import { primeCedar } from './prime-cedar';
import { warmBundle } from './warm-bundle';
import type { FromWorker, ToWorker } from './pool-protocol';
import type { AuthorizationInput, PolicyBundle, PolicyDecision } from './types';

interface Held {
  readonly generation: string;
  readonly bundle: PolicyBundle;
}

export function serveWorker(port: Pick<MessagePort, 'on' | 'postMessage'>, maxPreparedPolicies = 0): void {
  const held = new Map<number, Held>();
  const send = (message: FromWorker): void => port.postMessage(message);
  port.on('message', (message: ToWorker) => {
    switch (message.kind) {
      case 'load': {
        for (const [loadId, entry] of held) if (entry.generation === message.generation) held.delete(loadId);
        const result = prepareBundle(message.validated, { generation: `pool-${message.generation}`, maxPreparedPolicies });
        if (result.kind === 'invalid') {
          send({ kind: 'load-failed', loadId: message.loadId, problems: result.problems });
          return;
        }
        held.set(message.loadId, { generation: message.generation, bundle: result.bundle });
        primeCedar(); // once per worker, before its first bundle is reported loaded (prime-cedar.ts)
        send({ kind: 'loaded', loadId: message.loadId });
        warmBundle(result.bundle, () => held.get(message.loadId)?.bundle === result.bundle);
        return;
      }
      case 'drop':
        held.delete(message.loadId);
        return;
      case 'evaluate':
        send({ kind: 'decisions', answers: message.tasks.map((task) => ({ id: task.id, decision: evaluateTask(held.get(task.loadId)?.bundle, task.input) })) });
        return;
    }
  });
}

/** A task's decision; a load the worker does not hold, or an engine that throws, is an ERR_POLICY_EVALUATION deny. */
function evaluateTask(bundle: PolicyBundle | undefined, input: AuthorizationInput): PolicyDecision {
  if (bundle === undefined) return evaluationDeny('the policy worker does not hold this bundle revision');
  try {
    return bundle.evaluate(input);
  } catch (err) {
    return evaluationDeny(err instanceof Error ? err.message : String(err));
  }
}

function evaluationDeny(message: string): PolicyDecision {
  return { kind: 'deny', code: 'ERR_POLICY_EVALUATION', decidingPolicies: [], errors: [{ message }] };
}

if (parentPort !== null) serveWorker(parentPort, Number((workerData as { maxPreparedPolicies?: unknown } | null)?.maxPreparedPolicies ?? 0) || 0);
