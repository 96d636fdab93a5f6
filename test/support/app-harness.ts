/** Starts a real callgate (buildApp) on 127.0.0.1:0 for integration and end-to-end tests. */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { buildApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/log/logger';
import { createMetrics } from '../../src/metrics/metrics';
import type { AuditRecord } from '../../src/audit/audit-record';
import { isApprovalAuditRecord, type ApprovalAuditRecord } from '../../src/audit/approval-audit-record';
import { createAuditSink, NO_AUDIT } from '../../src/audit/audit-sink';
import { auditSinkSettingsOf } from '../../src/audit/audit-settings';

export interface RunningApp {
  readonly app: App;
  readonly grpc: string;
  readonly http: string;
  /** Log lines written so far (JSON objects). */
  readonly logs: Record<string, unknown>[];
  /** Audit records written so far. */
  readonly audit: AuditRecord[];
  /** Approval events (requested, approved, rejected, consumed, expired) written to the same trail. */
  readonly approvalEvents: ApprovalAuditRecord[];
  close(): Promise<void>;
}

export interface StartAppOptions {
  readonly now?: () => Date;
  /** Also write every record to the sink `audit.*` configures (e.g. `audit.sink=file`, for `callgate audit verify`). */
  readonly alsoConfiguredAudit?: boolean;
}

export async function startApp(flags: Record<string, string>, options: StartAppOptions = {}): Promise<RunningApp> {
  const config = loadConfig({
    flags: { 'listen.grpc': '127.0.0.1:0', 'listen.http': '127.0.0.1:0', watch_policies: 'false', 'log.level': 'info', 'approvals.store': 'sqlite::memory:', ...flags },
  });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const audit: AuditRecord[] = [];
  const approvalEvents: ApprovalAuditRecord[] = [];
  const configured = options.alsoConfiguredAudit === true ? createAuditSink(auditSinkSettingsOf(config)) : NO_AUDIT;
  const app = buildApp(config, {
    audit: {
      write: (record) => {
        configured.write(record);
        if (isApprovalAuditRecord(record)) approvalEvents.push(record);
        else audit.push(record);
      },
      close: () => configured.close(),
    },
    log: createLogger(config.log.level, sink),
    metrics: createMetrics({ collectProcessMetrics: false }),
    now: options.now ?? (() => new Date()),
    newDecisionId: () => randomUUID(),
    hrtime: () => process.hrtime.bigint(),
  });
  const addresses = await app.start();
  return { app, ...addresses, logs, audit, approvalEvents, close: () => app.close() };
}
