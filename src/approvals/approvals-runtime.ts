/**
 * Approvals as the running app needs them: the store `approvals.store` names (opened at start), the service
 * (approvers' side and the data path's gate), every event recorded in the audit trail and in metrics, the
 * periodic expiry sweep, and the pending-approvals gauge. Before start() the gate refuses (the Check then
 * denies with ERR_APPROVAL_STORE).
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema';
import type { AuditEntry } from '../audit/approval-audit-record';
import { buildApprovalAuditRecord } from '../audit/approval-audit-record';
import type { Logger } from '../log/logger';
import type { Metrics } from '../metrics/metrics';
import type { JsonObject, JsonValue } from '../calls/types';
import type { Detector } from '../masking/types';
import type { ApprovalFlowDeps } from '../authz/approval-flow';
import type { ApprovalEvent } from './approval-events';
import { createApprovals, type ApprovalGate, type Approvals } from './approval-service';
import { createInputMasker } from './mask-input';
import { openApprovalStore, parseStoreLocation } from './open-store';
import type { ApprovalNotifier } from './types';

export interface ApprovalsRuntimeDeps {
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly audit: { write(entry: AuditEntry): void };
  now(): Date;
  /** Ancestors of an entity key in the serving bundle. */
  ancestorsOf(key: string): readonly string[];
  /** The bound HTTP address (host:port), for approve_url when approvals.public_url is "". */
  httpAddress(): string | undefined;
  readonly customDetectors: readonly Detector[];
  readonly notifier?: ApprovalNotifier;
}

export interface ApprovalsRuntime {
  /** The data path's side; usable from buildApp on (refuses until start). */
  readonly flow: ApprovalFlowDeps;
  /** The service, once started. */
  service(): Approvals | undefined;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createApprovalsRuntime(config: Config['approvals'], deps: ApprovalsRuntimeDeps): ApprovalsRuntime {
  const location = parseStoreLocation(config.store);
  if (location === undefined) throw new Error(`approvals.store: unsupported value "${config.store}"`);
  const log = deps.log.child({ room: 'approvals' });
  let service: Approvals | undefined;
  let timer: NodeJS.Timeout | undefined;

  const refreshPending = (): void => {
    service?.listPending().then(
      (list) => deps.metrics.approvalsPending.set(list.length),
      (err: unknown) => log.warn({ err }, 'could not count pending approvals'),
    );
  };
  const record = (event: ApprovalEvent): void => {
    deps.metrics.approvalEvents.inc({ event: event.kind });
    const a = event.approval;
    if ((event.kind === 'approved' || event.kind === 'rejected') && a.decidedAt !== undefined) {
      deps.metrics.approvalDecisionSeconds.observe({ verdict: event.kind }, Math.max(0, (Date.parse(a.decidedAt) - Date.parse(a.createdAt)) / 1000));
    }
    try {
      deps.audit.write(buildApprovalAuditRecord(event, deps.now()));
    } catch (err) {
      log.error({ err, approval_id: a.id, event: event.kind }, 'approval audit record not written');
    }
    log.info({ approval_id: a.id, event: event.kind, decision_id: event.decisionId, function: a.function }, `approval ${event.kind}`);
    refreshPending();
  };
  const need = (): Approvals => {
    if (service === undefined) throw new Error('approvals not started');
    return service;
  };
  const gate: ApprovalGate = {
    requestApproval: (request, decisionId) => need().requestApproval(request, decisionId),
    consumeApproval: (approval, decisionId) => need().consumeApproval(approval, decisionId),
    awaitDecision: (approval, waitMs) => need().awaitDecision(approval, waitMs),
    approveUrlOf: (id) => need().approveUrlOf(id),
  };
  const mask = createInputMasker(deps.customDetectors);
  const publicUrl = (): string => (config.public_url !== '' ? config.public_url : `http://${deps.httpAddress() ?? 'localhost'}`);

  return {
    flow: { gate, holdMs: config.hold_seconds * 1000, maskInput: (input: JsonObject): JsonValue => mask(input) },
    service: () => service,
    async start() {
      const store = await openApprovalStore(location);
      service = createApprovals({
        store,
        ttlSeconds: config.ttl_seconds,
        publicUrl,
        ancestorsOf: deps.ancestorsOf,
        now: deps.now,
        newId: () => randomUUID(),
        record,
        ...(deps.notifier === undefined ? {} : { notifier: deps.notifier }),
        holdPollMs: config.hold_poll_ms,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
      });
      const sweep = (): void => {
        service?.sweepExpired().then(
          () => refreshPending(),
          (err: unknown) => log.warn({ err }, 'approval expiry sweep failed'),
        );
      };
      sweep();
      timer = setInterval(sweep, config.sweep_seconds * 1000);
      timer.unref();
      log.info({ store: location.kind }, 'approvals store open');
    },
    async close() {
      if (timer !== undefined) clearInterval(timer);
      await service?.close();
      service = undefined;
    },
  };
}
