/**
 * Verifies audit files written by the sink, given in the order written (rotated files oldest first, the
 * active file last). Every problem names the file, the line and, where the line still parses, the
 * decision id:
 * - edited: a record no longer matches its own hash (one byte changed is enough);
 * - removed / reordered: a record does not follow the one before it (sequence numbers say which);
 * - truncated: a torn last line, or a checkpoint that signs more records than the chain holds;
 * - checkpoint-mismatch: a checkpoint whose head is not the chain's record at that place;
 * - foreign-key / bad-signature: a checkpoint signed by another key, or not validly signed (with a key);
 * - missing-checkpoint (with a key): no checkpoint at all, a rotated file that does not end sealed, or
 *   more records in a row than the writer's every_records without one.
 * Records after the last checkpoint of the last file are reported as not yet signed (a note, not a failure).
 */
import type { KeyObject } from 'node:crypto';
import { GENESIS, hashLink, isChainedLine, type ChainedLine } from './hash-chain';
import { isCheckpointLine, keyIdOf, verifyCheckpoint, type CheckpointLine } from './checkpoint';

export type TrailProblemKind =
  | 'unparsable'
  | 'edited'
  | 'removed'
  | 'reordered'
  | 'truncated'
  | 'checkpoint-mismatch'
  | 'foreign-key'
  | 'bad-signature'
  | 'missing-checkpoint';

export interface TrailProblem {
  readonly kind: TrailProblemKind;
  readonly file: string;
  /** 1-based; 0 when the problem is about the whole file. */
  readonly line: number;
  readonly decisionId?: string;
  readonly message: string;
}

export interface TrailFile {
  readonly name: string;
  readonly text: string;
}

export interface TrailReport {
  readonly ok: boolean;
  readonly records: number;
  readonly checkpoints: number;
  readonly problems: readonly TrailProblem[];
  readonly notes: readonly string[];
}

interface Last {
  readonly seq: number;
  readonly hash: string;
  /** The hash this record claims when it was edited (the next record may link to either). */
  readonly claimed?: string;
}

interface State {
  last: Last | undefined;
  records: number;
  checkpoints: number;
  sinceCheckpoint: number;
  everyRecords: number;
  gapReported: boolean;
  readonly problems: TrailProblem[];
  readonly notes: string[];
}

function decisionIdOf(record: unknown): string | undefined {
  const id = (record as { decision_id?: unknown } | null)?.decision_id;
  return typeof id === 'string' ? id : undefined;
}

function checkRecord(line: ChainedLine<unknown>, at: { file: string; line: number }, state: State): void {
  const decisionId = decisionIdOf(line.record);
  const problem = (kind: TrailProblemKind, message: string): void => {
    state.problems.push({ kind, ...at, ...(decisionId === undefined ? {} : { decisionId }), message });
  };
  const actual = hashLink(line.prev, line.seq, line.record);
  const edited = actual !== line.hash;
  if (edited) problem('edited', `record seq ${line.seq} does not match its hash (edited)`);
  const last = state.last;
  if (last === undefined) {
    if (line.seq !== 1 || line.prev !== GENESIS) state.notes.push(`${at.file}:${at.line}: the chain starts at seq ${line.seq} (earlier files not given or rotated away)`);
  } else if (line.prev !== last.hash && line.prev !== last.claimed) {
    if (line.seq === 1 && line.prev === GENESIS) state.notes.push(`${at.file}:${at.line}: a new chain starts here (a writer without a file restarted)`);
    else if (line.seq > last.seq + 1) problem('removed', `expected seq ${last.seq + 1} after seq ${last.seq}, found seq ${line.seq}: ${line.seq - last.seq - 1} record(s) missing here (removed, or moved later)`);
    else if (line.seq <= last.seq) problem('reordered', `seq ${line.seq} comes after seq ${last.seq} (out of order)`);
    else if (!edited) problem('edited', `record seq ${line.seq} does not link to the record before it (that record or this one was replaced)`);
  }
  state.last = edited ? { seq: line.seq, hash: actual, claimed: line.hash } : { seq: line.seq, hash: line.hash };
  state.records += 1;
  state.sinceCheckpoint += 1;
  if (state.everyRecords > 0 && state.sinceCheckpoint > state.everyRecords && !state.gapReported) {
    state.gapReported = true;
    problem('missing-checkpoint', `more than ${state.everyRecords} records since the last checkpoint (a checkpoint was removed)`);
  }
}

function checkCheckpoint(line: CheckpointLine, at: { file: string; line: number }, state: State, key: KeyObject | undefined): void {
  const problem = (kind: TrailProblemKind, message: string): void => {
    state.problems.push({ kind, ...at, message });
  };
  const cp = line.checkpoint;
  const last = state.last;
  if (last !== undefined && cp.seq > last.seq) {
    problem('truncated', `checkpoint signs ${cp.seq} records but the chain here ends at seq ${last.seq}: ${cp.seq - last.seq} record(s) removed`);
  } else if (last !== undefined && (cp.seq !== last.seq || (cp.head !== last.hash && cp.head !== last.claimed))) {
    problem('checkpoint-mismatch', `checkpoint for seq ${cp.seq} does not match the chain (seq ${last.seq} here): records before it were removed, reordered or edited`);
  }
  if (key !== undefined && !verifyCheckpoint(line, key)) {
    const expected = keyIdOf(key);
    if (cp.key_id !== expected) problem('foreign-key', `checkpoint signed by another key (key id ${cp.key_id}, expected ${expected})`);
    else problem('bad-signature', 'checkpoint signature does not verify (checkpoint edited)');
  }
  if (cp.every_records > 0 && state.sinceCheckpoint > cp.every_records && !state.gapReported) {
    problem('missing-checkpoint', `${state.sinceCheckpoint} records before this checkpoint, but the writer signs every ${cp.every_records} (a checkpoint was removed)`);
  }
  state.checkpoints += 1;
  state.sinceCheckpoint = 0;
  state.gapReported = false;
  state.everyRecords = cp.every_records;
}

function checkFile(file: TrailFile, state: State, key: KeyObject | undefined, isLast: boolean): void {
  const lines = file.text.split('\n');
  let lastKind: 'record' | 'checkpoint' | undefined;
  for (const [index, text] of lines.entries()) {
    if (text.trim() === '') continue;
    const at = { file: file.name, line: index + 1 };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      const torn = index === lines.length - 1;
      state.problems.push({ kind: torn ? 'truncated' : 'unparsable', ...at, message: torn ? 'the last line is incomplete (truncated)' : 'not a JSON audit line (edited or torn)' });
      continue;
    }
    if (isCheckpointLine(parsed)) {
      checkCheckpoint(parsed, at, state, key);
      lastKind = 'checkpoint';
    } else if (isChainedLine(parsed)) {
      checkRecord(parsed, at, state);
      lastKind = 'record';
    } else {
      state.problems.push({ kind: 'unparsable', ...at, message: 'neither an audit record nor a checkpoint (edited)' });
    }
  }
  if (key !== undefined && !isLast && lastKind === 'record') {
    state.problems.push({ kind: 'missing-checkpoint', file: file.name, line: 0, message: 'a rotated file must end with its sealing checkpoint (records or a checkpoint were removed from its end)' });
  }
}

export function verifyTrail(files: readonly TrailFile[], key: KeyObject | undefined): TrailReport {
  const state: State = { last: undefined, records: 0, checkpoints: 0, sinceCheckpoint: 0, everyRecords: 0, gapReported: false, problems: [], notes: [] };
  files.forEach((file, i) => checkFile(file, state, key, i === files.length - 1));
  const lastFile = files[files.length - 1]?.name ?? '';
  if (key !== undefined && state.records > 0 && state.checkpoints === 0) {
    state.problems.push({ kind: 'missing-checkpoint', file: lastFile, line: 0, message: 'no checkpoint at all, but a key was given (checkpoints were removed, or the writer had no audit.signing_key)' });
  } else if (state.sinceCheckpoint > 0 && state.checkpoints > 0) {
    state.notes.push(`${lastFile}: the last ${state.sinceCheckpoint} record(s) come after the last checkpoint and are not signed yet`);
  }
  if (key === undefined && state.checkpoints > 0) state.notes.push('checkpoint signatures not checked (give --public-key)');
  return { ok: state.problems.length === 0, records: state.records, checkpoints: state.checkpoints, problems: state.problems, notes: state.notes };
}
