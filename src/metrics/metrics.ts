/** Every instrument callgate exports, on its own prom-client Registry (never the global one). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly decisions: Counter<'decision' | 'reason'>;
  readonly checkDuration: Histogram<'decision'>;
  readonly inFlight: Gauge;
  /** Checks answered at once with a 503 deny instead of evaluated, by cause (deadline | in_flight). */
  readonly checksShed: Counter<'cause'>;
  /** Policy worker threads (engine.workers) that stopped unexpectedly and were replaced. */
  readonly policyWorkerExits: Counter;
  readonly evaluationErrors: Counter;
  readonly bundleReloads: Counter<'result'>;
  readonly bundleInfo: Gauge<'revision'>;
  readonly bundlePolicies: Gauge;
  /** Values masked by ext_proc, by detector (built-in names, config-declared custom names, `field`, `redacted_arg`). */
  readonly maskedValues: Counter<'detector'>;
  /** Body bytes ext_proc scanned for masking. */
  readonly maskBytes: Counter;
  /** ext_proc streams ended with a gRPC error (Envoy answers status_on_error), by reason code. */
  readonly maskStreamErrors: Counter<'reason'>;
  /** Approval webhook notifications by outcome (delivered | failed, after retries). */
  readonly approvalNotifications: Counter<'outcome'>;
  /** Approvals pending now (in the store, so shared by every replica on one Redis). */
  readonly approvalsPending: Gauge;
  /** Approval events: requested, approved, rejected, consumed, expired. */
  readonly approvalEvents: Counter<'event'>;
  /** Time from an approval's request to its decision, by verdict (approved | rejected). */
  readonly approvalDecisionSeconds: Histogram<'verdict'>;
  /** Audit records not written, by reason (mask_failed: arguments could not be masked; write_failed: sink error). */
  readonly auditRecordsDropped: Counter<'reason'>;
  /**
   * Where the slice gauges (callgate_bundle_slices, _slices_prepared, _warmup_pending_slices) read from at
   * each scrape: the serving bundle's preparsed slices (prepare-engine.ts); undefined reads as 0.
   */
  observeBundleSlices(read: () => BundleSliceProgress | undefined): void;
}

export interface BundleSliceProgress {
  readonly total: number;
  readonly prepared: number;
  readonly pending: number;
}

/** Buckets from 10 µs to 1 s: a Check normally takes tens to hundreds of µs. */
export const CHECK_DURATION_BUCKETS = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];

export function createMetrics(options: { collectProcessMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.collectProcessMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'callgate_' });
  const registers = [registry];
  let readSlices: () => BundleSliceProgress | undefined = () => undefined;
  const sliceGauge = (name: string, help: string, pick: (p: BundleSliceProgress) => number): Gauge =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(pick(readSlices() ?? { total: 0, prepared: 0, pending: 0 }));
      },
    });
  sliceGauge('callgate_bundle_slices', 'Distinct policy slices (policy sets by function) of the serving bundle', (p) => p.total);
  sliceGauge('callgate_bundle_slices_prepared', 'Slices of the serving bundle preparsed in cedar-wasm now (bounded by engine.max_prepared_policies)', (p) => p.prepared);
  sliceGauge('callgate_bundle_warmup_pending_slices', 'Slices the idle-time warm-up has still to visit (0: warm-up finished)', (p) => p.pending);
  return {
    observeBundleSlices(read) {
      readSlices = read;
    },
    registry,
    decisions: new Counter({
      name: 'callgate_authz_decisions_total',
      help: 'Check decisions by decision (allow|deny) and reason code (none for allow)',
      labelNames: ['decision', 'reason'] as const,
      registers,
    }),
    checkDuration: new Histogram({
      name: 'callgate_authz_check_duration_seconds',
      help: 'Time to answer a Check, from decode to response',
      labelNames: ['decision'] as const,
      buckets: CHECK_DURATION_BUCKETS,
      registers,
    }),
    inFlight: new Gauge({ name: 'callgate_authz_in_flight', help: 'Check calls being evaluated', registers }),
    policyWorkerExits: new Counter({ name: 'callgate_policy_worker_exits_total', help: 'Policy worker threads that stopped unexpectedly (their pending checks denied) and were replaced', registers }),
    checksShed: new Counter({
      name: 'callgate_authz_shed_total',
      help: 'Checks denied 503 (ERR_SERVICE_OVERLOADED) without evaluation, by cause (deadline: the caller deadline had passed; in_flight: limits.max_in_flight reached)',
      labelNames: ['cause'] as const,
      registers,
    }),
    evaluationErrors: new Counter({
      name: 'callgate_policy_evaluation_errors_total',
      help: 'Decisions denied because Cedar reported evaluation errors',
      registers,
    }),
    bundleReloads: new Counter({
      name: 'callgate_bundle_reloads_total',
      help: 'Policy bundle loads by result (loaded|rejected)',
      labelNames: ['result'] as const,
      registers,
    }),
    bundleInfo: new Gauge({
      name: 'callgate_bundle_info',
      help: 'The policy bundle revision serving now (value 1)',
      labelNames: ['revision'] as const,
      registers,
    }),
    bundlePolicies: new Gauge({ name: 'callgate_bundle_policies', help: 'Policies in the serving bundle', registers }),
    maskedValues: new Counter({ name: 'callgate_masking_values_total', help: 'Values masked by ext_proc, by detector', labelNames: ['detector'], registers }),
    maskBytes: new Counter({ name: 'callgate_masking_bytes_total', help: 'Body bytes scanned for masking by ext_proc', registers }),
    maskStreamErrors: new Counter({ name: 'callgate_masking_stream_errors_total', help: 'ext_proc streams failed closed, by reason', labelNames: ['reason'], registers }),
    approvalsPending: new Gauge({ name: 'callgate_approvals_pending', help: 'Approvals waiting for a decision (read from the approval store)', registers }),
    approvalEvents: new Counter({
      name: 'callgate_approvals_total',
      help: 'Approval events by kind (requested, approved, rejected, consumed, expired)',
      labelNames: ['event'] as const,
      registers,
    }),
    approvalDecisionSeconds: new Histogram({
      name: 'callgate_approval_decision_seconds',
      help: 'Time from an approval request to its decision, by verdict (approved | rejected)',
      labelNames: ['verdict'] as const,
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 86400],
      registers,
    }),
    approvalNotifications: new Counter({
      name: 'callgate_approval_notifications_total',
      help: 'Approval webhook notifications by outcome (delivered, or failed after every retry; the approval stays pending either way)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    auditRecordsDropped: new Counter({
      name: 'callgate_audit_records_dropped_total',
      help: 'Audit records not written, by reason (mask_failed, write_failed)',
      labelNames: ['reason'] as const,
      registers,
    }),
  };
}
