/**
 * The audit step of a Check: build the decision's record (masking its arguments) and write it. A record
 * whose arguments cannot be masked is not written (never unmasked) and the decision goes on. A sink that
 * cannot write fails the decision closed under `audit.on_failure: deny` (the default), or is counted and
 * let pass under `continue`.
 */
import type { Outcome } from '../authz/outcome';
import { buildAuditRecord, DEFAULT_RECORD_OPTIONS, type AuditRecord, type AuditRecordOptions } from './audit-record';
import type { AuditSink } from './audit-sink';

export interface AuditTrailSettings {
  readonly record: AuditRecordOptions;
  readonly onFailure: 'deny' | 'continue';
}

export const DEFAULT_TRAIL_SETTINGS: AuditTrailSettings = Object.freeze({ record: DEFAULT_RECORD_OPTIONS, onFailure: 'deny' });

export type AuditDropReason = 'mask_failed' | 'write_failed';

export type AuditResult =
  | { readonly kind: 'written' }
  | { readonly kind: 'dropped'; readonly reason: AuditDropReason; readonly failClosed: boolean; readonly error: Error };

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export function recordDecision(outcome: Outcome, seconds: number, now: Date, sink: AuditSink, settings: AuditTrailSettings): AuditResult {
  let record: AuditRecord;
  try {
    record = buildAuditRecord(outcome, seconds, now, settings.record);
  } catch (err) {
    return { kind: 'dropped', reason: 'mask_failed', failClosed: false, error: asError(err) };
  }
  try {
    sink.write(record);
  } catch (err) {
    return { kind: 'dropped', reason: 'write_failed', failClosed: settings.onFailure === 'deny', error: asError(err) };
  }
  return { kind: 'written' };
}
