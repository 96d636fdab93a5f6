/**
 * The embedded approval store: one SQLite file (better-sqlite3, WAL). Every change is one IMMEDIATE
 * transaction, so findOrCreate, decide and consume are atomic even when several callgate processes share
 * the file. Pending approvals survive a restart.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { approvalFromStored, immutableRecordOf, type StoredFields } from './stored-approval';
import type { Approval, ApprovalStore, DecisionUpdate, TransitionResult } from './types';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS approvals (
  id TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  status TEXT NOT NULL,
  record TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  decided_by TEXT,
  decided_at TEXT,
  reason TEXT,
  consumed_at TEXT
);
CREATE INDEX IF NOT EXISTS approvals_by_fingerprint ON approvals (fingerprint, status, expires_ms);
CREATE INDEX IF NOT EXISTS approvals_by_status ON approvals (status, expires_ms);
`;

interface Row {
  readonly record: string;
  readonly status: string;
  readonly decided_by: string | null;
  readonly decided_at: string | null;
  readonly reason: string | null;
  readonly consumed_at: string | null;
}

function fromRow(row: Row): Approval {
  const fields: StoredFields = { record: row.record, status: row.status, decidedBy: row.decided_by, decidedAt: row.decided_at, reason: row.reason, consumedAt: row.consumed_at };
  return approvalFromStored(fields);
}

/** `:memory:` keeps approvals in the process only (tests); any other value is a file path. */
export function openSqliteStore(file: string): ApprovalStore {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const q = {
    live: db.prepare<[string, number], Row>(
      `SELECT * FROM approvals WHERE fingerprint = ? AND status IN ('pending', 'approved') AND expires_ms > ? ORDER BY created_ms LIMIT 1`,
    ),
    insert: db.prepare(`INSERT INTO approvals (id, fingerprint, status, record, created_ms, expires_ms) VALUES (@id, @fingerprint, 'pending', @record, @created, @expires)`),
    byId: db.prepare<[string], Row>(`SELECT * FROM approvals WHERE id = ?`),
    pending: db.prepare<[number], Row>(`SELECT * FROM approvals WHERE status = 'pending' AND expires_ms > ? ORDER BY created_ms, id`),
    decide: db.prepare(
      `UPDATE approvals SET status = @status, decided_by = @decidedBy, decided_at = @decidedAt, reason = @reason WHERE id = @id AND status = 'pending' AND expires_ms > @now`,
    ),
    consume: db.prepare(`UPDATE approvals SET status = 'consumed', consumed_at = @at WHERE id = @id AND status = 'approved' AND expires_ms > @now`),
    stale: db.prepare<[number], Row & { id: string }>(`SELECT * FROM approvals WHERE status IN ('pending', 'approved') AND expires_ms <= ? ORDER BY expires_ms, id`),
    expireOne: db.prepare(`UPDATE approvals SET status = 'expired' WHERE id = ? AND status IN ('pending', 'approved')`),
  };
  const get = (id: string): Approval | undefined => {
    const row = q.byId.get(id);
    return row === undefined ? undefined : fromRow(row);
  };
  const transition = (id: string, run: () => number): TransitionResult => {
    const changed = run() > 0;
    const current = get(id);
    return changed && current !== undefined ? { kind: 'changed', approval: current } : { kind: 'unchanged', current };
  };

  const findOrCreate = db.transaction((candidate: Approval, nowMs: number) => {
    const live = q.live.get(candidate.fingerprint, nowMs);
    if (live !== undefined) return { approval: fromRow(live), created: false };
    q.insert.run({
      id: candidate.id,
      fingerprint: candidate.fingerprint,
      record: immutableRecordOf(candidate),
      created: Date.parse(candidate.createdAt),
      expires: Date.parse(candidate.expiresAt),
    });
    return { approval: { ...candidate, status: 'pending' as const }, created: true };
  });
  const decide = db.transaction((id: string, update: DecisionUpdate, now: Date) =>
    transition(id, () => q.decide.run({ id, status: update.status, decidedBy: JSON.stringify(update.decidedBy), decidedAt: now.toISOString(), reason: update.reason, now: now.getTime() }).changes),
  );
  const consume = db.transaction((id: string, now: Date) => transition(id, () => q.consume.run({ id, at: now.toISOString(), now: now.getTime() }).changes));
  const expire = db.transaction((nowMs: number) => {
    const out: Approval[] = [];
    for (const row of q.stale.all(nowMs)) {
      if (q.expireOne.run(row.id).changes > 0) out.push(fromRow({ ...row, status: 'expired' }));
    }
    return out;
  });

  return {
    findOrCreate: async (candidate, now) => findOrCreate.immediate(candidate, now.getTime()),
    get: async (id) => get(id),
    listPending: async (now) => q.pending.all(now.getTime()).map(fromRow),
    decide: async (id, update, now) => decide.immediate(id, update, now),
    consume: async (id, now) => consume.immediate(id, now),
    expire: async (now) => expire.immediate(now.getTime()),
    close: async () => {
      db.close();
    },
  };
}
