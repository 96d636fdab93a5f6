/**
 * Tamper evidence: every record line carries its place in the chain (`seq`, 1, 2, …), the hash of the
 * record before it (`prev`) and its own hash over `prev` + the canonical JSON of `{seq, record}`.
 * Removing, reordering or editing a line breaks the chain at that point (verify-trail.ts says where).
 * The chain continues across file rotation and restarts: the first line of a new file holds the previous
 * file's last hash.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

export const GENESIS = '0'.repeat(64);

export interface ChainedLine<T> {
  readonly seq: number;
  readonly record: T;
  readonly prev: string;
  readonly hash: string;
}

/** Where a chain stands: the last record's sequence number and hash (seq 0 and GENESIS before any). */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export const EMPTY_CHAIN: ChainHead = Object.freeze({ seq: 0, hash: GENESIS });

export function hashLink(prev: string, seq: number, record: unknown): string {
  return createHash('sha256').update(prev).update('\n').update(canonicalize({ seq, record }) ?? 'null').digest('hex');
}

export function chain<T>(head: ChainHead, record: T): ChainedLine<T> {
  const seq = head.seq + 1;
  return { seq, record, prev: head.hash, hash: hashLink(head.hash, seq, record) };
}

export function isChainedLine(value: unknown): value is ChainedLine<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ChainedLine<unknown>>;
  return typeof v.seq === 'number' && Number.isInteger(v.seq) && typeof v.prev === 'string' && typeof v.hash === 'string' && 'record' in v;
}
