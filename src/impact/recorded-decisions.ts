/**
 * Reads the decisions to replay from audit files: chained lines written by the audit sink (checkpoints
 * and approval events skipped) or bare records (one JSON object a line). Lines that are neither are counted,
 * not guessed at.
 * Run `callgate audit verify` first when the files' integrity matters.
 */
import { readFileSync } from 'node:fs';
import { isCheckpointLine } from '../audit/checkpoint';
import { isChainedLine } from '../audit/hash-chain';
import type { AuditCaller } from '../audit/audit-record';

/** The fields of an audit record a replay reads (records of older writers may lack some: null). */
export interface RecordedDecision {
  readonly file: string;
  readonly line: number;
  readonly decisionId: string;
  readonly time: string;
  readonly principal: string;
  readonly caller: AuditCaller | null;
  readonly protocol: string;
  readonly server: string;
  readonly functions: readonly string[];
  readonly args: readonly unknown[] | null;
  readonly argsMasked: readonly (readonly string[])[] | null;
  readonly decision: 'allow' | 'deny';
  readonly reason: string;
  readonly decidingPolicies: readonly string[];
  /** Set when the recorded call carried a granted approval (records written with approvals). */
  readonly approval: { readonly id?: string; readonly approver?: string } | null;
}

export interface ReadDecisions {
  readonly decisions: RecordedDecision[];
  /** `file:line` of lines that are not audit records. */
  readonly unreadable: string[];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function strList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function callerOf(v: unknown): AuditCaller | null {
  if (typeof v !== 'object' || v === null) return null;
  const c = v as Record<string, unknown>;
  if (typeof c.kind !== 'string' || typeof c.interactive !== 'boolean' || typeof c.authenticated !== 'boolean') return null;
  return { kind: c.kind, interactive: c.interactive, authenticated: c.authenticated, issuer: str(c.issuer), scopes: strList(c.scopes), groups: strList(c.groups) };
}

function approvalOf(r: Record<string, unknown>): RecordedDecision['approval'] {
  const id = r.approval_id;
  if (typeof id !== 'string' || id === '') return null;
  const approver = r.approver;
  return typeof approver === 'string' ? { id, approver } : { id };
}

function decisionOf(raw: unknown, file: string, line: number): RecordedDecision | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.decision_id !== 'string' || (r.decision !== 'allow' && r.decision !== 'deny') || !Array.isArray(r.functions)) return undefined;
  return {
    file,
    line,
    decisionId: r.decision_id,
    time: str(r.time),
    principal: str(r.principal),
    caller: callerOf(r.caller),
    protocol: str(r.protocol),
    server: str(r.server),
    functions: strList(r.functions),
    args: Array.isArray(r.args) ? r.args : null,
    argsMasked: Array.isArray(r.args_masked) ? (r.args_masked as unknown[]).map(strList) : null,
    decision: r.decision,
    reason: str(r.reason),
    decidingPolicies: strList(r.deciding_policies),
    approval: approvalOf(r),
  };
}

function isEvent(record: unknown): boolean {
  return typeof record === 'object' && record !== null && typeof (record as { event?: unknown }).event === 'string';
}

export function readRecordedDecisions(files: readonly string[]): ReadDecisions {
  const decisions: RecordedDecision[] = [];
  const unreadable: string[] = [];
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, index) => {
      if (text.trim() === '') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        unreadable.push(`${file}:${index + 1}`);
        return;
      }
      if (isCheckpointLine(parsed)) return;
      const record = isChainedLine(parsed) ? parsed.record : parsed;
      if (isEvent(record)) return; // approval events ride the same trail; they are not decisions
      const decision = decisionOf(record, file, index + 1);
      if (decision === undefined) unreadable.push(`${file}:${index + 1}`);
      else decisions.push(decision);
    });
  }
  return { decisions, unreadable };
}
