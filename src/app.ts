/**
 * buildApp(config, deps) wires the rooms together without listening; start() binds, close() shuts down in
 * order: not ready → stop accepting → drain with a deadline → force.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from './config/schema';
import { handleCheck, failureOutcome, type CheckDeps } from './authz/check';
import { buildDenyResponse } from './envoy/check-response';
import { createCheckAdmission } from './authz/admit-check';
import { createGrpcServer } from './transport/grpc/server';
import { createBundleEngine } from './policy/bundle-engine';
import { createEvaluationBatch } from './policy/evaluation-batch';
import { createAuditSink, type AuditSink } from './audit/audit-sink';
import { auditSinkSettingsOf, auditTrailSettingsOf } from './audit/audit-settings';
import type { createSession } from './extproc/session';
import { maskingSettingsOf, recordSessionEnd } from './extproc/masking-settings';
import { createAdminServer } from './http/admin-server';
import { buildApprovalsHttp, startedService } from './http/build-approvals-http';
import type { WebhookNotifier } from './approvals/notify-webhook';
import type { TokenVerifier } from './identity/token-verifier';
import { buildProtectedResourceMetadata } from './identity/protected-resource-metadata';
import { createMetrics, type Metrics } from './metrics/metrics';
import { createLogger, type Logger } from './log/logger';
import { loadBundle } from './policy/load-bundle';
import { watchBundle } from './policy/bundle-watcher';
import { formatProblems } from './policy/format-problems';
import type { BundleProblem, PolicyBundle } from './policy/types';
import type { ParseOptions } from './calls/types';
import { createApprovalsRuntime } from './approvals/approvals-runtime';
import type { Approvals } from './approvals/approval-service';
import { buildCustomDetector } from './masking/detectors';

export interface AppDeps {
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Decision audit trail; defaults to the sink `audit.*` configures. */
  readonly audit?: AuditSink;
  now(): Date;
  newDecisionId(): string;
  hrtime(): bigint;
}

export interface App {
  start(): Promise<{ grpc: string; http: string }>;
  close(): Promise<void>;
  /** The bundle serving now (tests and the CLI read it). */
  bundle(): PolicyBundle | undefined;
  /** The approval service (approvers' side), once started. */
  approvals(): Approvals | undefined;
}

export class BundleInvalidError extends Error {
  constructor(readonly problems: readonly BundleProblem[]) {
    super(`policy bundle is invalid:\n${formatProblems(problems)}`);
    this.name = 'BundleInvalidError';
  }
}

export function defaultDeps(config: Config): AppDeps {
  return {
    log: createLogger(config.log.level),
    metrics: createMetrics(),
    now: () => new Date(),
    newDecisionId: () => randomUUID(),
    hrtime: () => process.hrtime.bigint(),
  };
}

export function parseOptionsOf(config: Config): ParseOptions {
  return {
    routes: config.routes,
    limits: { maxBodyBytes: config.limits.max_body_bytes, maxDepth: config.limits.max_json_depth, maxBatchSize: config.limits.max_batch_size },
  };
}

export function buildApp(config: Config, deps: AppDeps): App {
  const log = deps.log;
  let current: PolicyBundle | undefined;
  let draining = false;
  let watcher: { close(): Promise<void> } | undefined;

  const swap = (bundle: PolicyBundle): void => {
    const previous = current;
    current = bundle;
    deps.metrics.bundleReloads.inc({ result: 'loaded' });
    if (previous !== undefined) deps.metrics.bundleInfo.remove({ revision: previous.revision });
    deps.metrics.bundleInfo.set({ revision: bundle.revision }, 1);
    deps.metrics.bundlePolicies.set(bundle.policyIds.length);
    log.info({ revision: bundle.revision, previous: previous?.revision, policies: bundle.policyIds.length }, 'policy bundle loaded');
  };
  const reject = (problems: readonly BundleProblem[]): void => {
    deps.metrics.bundleReloads.inc({ result: 'rejected' });
    log.error({ revision: current?.revision, problems: formatProblems(problems) }, 'policy bundle change rejected; keeping the last good bundle');
  };
  const engine = createBundleEngine(config.engine, { log: log.child({ room: 'engine' }), onWorkerExit: () => deps.metrics.policyWorkerExits.inc() });
  // On the worker pool each worker warms its own copy; the gauges then read 0.
  deps.metrics.observeBundleSlices(() => (current?.offThread === undefined ? current?.slices?.() : undefined));

  const auditSink = deps.audit ?? createAuditSink(auditSinkSettingsOf(config));
  let httpBound: string | undefined;
  const notifier = config.approvals.notify.url === '' ? undefined : createNotifier(config, deps);
  const approvals = createApprovalsRuntime(config.approvals, {
    ...(notifier === undefined ? {} : { notifier }),
    log,
    metrics: deps.metrics,
    audit: auditSink,
    now: deps.now,
    ancestorsOf: (key) => current?.ancestorsOf?.(key) ?? [],
    httpAddress: () => httpBound,
    customDetectors: config.masking.custom_detectors.map(buildCustomDetector),
  });
  const checkDeps: CheckDeps = {
    approvals: approvals.flow,
    identity: config.identity,
    tokenVerifier: config.identity.issuers.length === 0 ? undefined : createVerifier(config, deps),
    parseOptions: parseOptionsOf(config),
    ...(config.engine.workers === 0 && config.engine.batch_max > 0 ? { evaluationBatch: createEvaluationBatch({ maxBatch: config.engine.batch_max }) } : {}),
    currentBundle: () => current,
    now: deps.now,
    newDecisionId: deps.newDecisionId,
    metrics: deps.metrics,
    log: log.child({ room: 'authz' }),
    hrtime: deps.hrtime,
    audit: auditSink,
    auditSettings: auditTrailSettingsOf(config),
  };
  const admission = createCheckAdmission({ maxInFlight: config.limits.max_in_flight, metrics: deps.metrics, newDecisionId: deps.newDecisionId, nowMs: () => Date.now() });
  const masking = maskingSettingsOf(config);
  let newSession: typeof createSession | undefined;
  const maskingLog = log.child({ room: 'masking' });
  const grpcServer = createGrpcServer({
    check: (request, info) => admission.admit(info.deadlineMs, () => handleCheck(request, checkDeps, info.deadlineMs)),
    onCheckError: (err) => buildDenyResponse(failureOutcome(deps.newDecisionId(), 'ERR_INTERNAL', String(err))),
    maxReceiveMessageBytes: Math.max(config.limits.max_body_bytes, config.masking.max_body_bytes) + 1024 * 1024,
    process: {
      newSession: () => (newSession ??= (require('./extproc/session') as typeof import('./extproc/session')).createSession)(masking),
      onEnd: (report, failure) => recordSessionEnd({ metrics: deps.metrics, log: maskingLog }, report, failure),
    },
  });
  const admin = createAdminServer({
    registry: deps.metrics.registry,
    notReadyReason: () => (draining ? 'shutting down' : current === undefined ? 'no policy bundle loaded' : undefined),
    revision: () => current?.revision,
    protectedResourceMetadata: buildProtectedResourceMetadata(config.identity),
    approvals: buildApprovalsHttp(config, { service: startedService(() => approvals.service()), tokenVerifier: checkDeps.tokenVerifier, log }),
  });

  return {
    bundle: () => current,
    approvals: () => approvals.service(),
    async start() {
      // Nothing is served yet, so the files are read without yielding (several times less CPU).
      const loaded = await loadBundle(config.policies, { ...engine.loadOptions, fileReads: 'blocking' });
      const refused = loaded.kind === 'invalid' ? loaded.problems : await engine.install(loaded.bundle, swap);
      if (refused !== undefined) {
        deps.metrics.bundleReloads.inc({ result: 'rejected' });
        throw new BundleInvalidError(refused);
      }
      await approvals.start();
      if (config.watch_policies) {
        watcher = watchBundle(
          config.policies,
          { onLoaded: (bundle) => void engine.install(bundle, swap).then((problems) => problems && reject(problems)), onRejected: reject },
          { debounceMs: config.reload_debounce_ms, currentRevision: current?.revision, load: engine.loadOptions },
        );
      }
      const grpcAddress = await grpcServer.bind(config.listen.grpc);
      const httpAddress = await admin.listen(config.listen.http);
      httpBound = httpAddress;
      grpcServer.setServing('SERVING');
      log.info({ grpc: grpcAddress, http: httpAddress, revision: current?.revision }, 'callgate serving');
      return { grpc: grpcAddress, http: httpAddress };
    },
    async close() {
      draining = true;
      grpcServer.setServing('NOT_SERVING');
      await watcher?.close();
      await grpcServer.shutdown(config.shutdown.drain_timeout_ms);
      await engine.close();
      await admin.close();
      await notifier?.close();
      await approvals.close();
      checkDeps.audit.close();
      log.info('callgate stopped');
    },
  };
}

// Parts only some configurations use are required when built, so a start without them does not load them
// (jose for callgate's own token verification, cockatiel for webhook notifications, the ext_proc masking
// session on the first Process stream).
function createVerifier(config: Config, deps: AppDeps): TokenVerifier {
  const { createTokenVerifier } = require('./identity/token-verifier') as typeof import('./identity/token-verifier');
  return createTokenVerifier({ ...config.identity.token, issuers: config.identity.issuers }, config.identity.mapping, { now: deps.now });
}

function createNotifier(config: Config, deps: AppDeps): WebhookNotifier | undefined {
  const { createWebhookNotifier, webhookSettingsOf } = require('./approvals/notify-webhook') as typeof import('./approvals/notify-webhook');
  const settings = webhookSettingsOf(config);
  return settings === undefined
    ? undefined
    : createWebhookNotifier(settings, { log: deps.log.child({ room: 'approvals-notify' }), notifications: deps.metrics.approvalNotifications, now: deps.now });
}
