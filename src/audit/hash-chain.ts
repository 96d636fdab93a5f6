/**
 * Tamper evidence: every record line carries its place in the chain (`seq`, 1, 2, …), the hash of the
 * record before it (`prev`) and its own hash over `prev` + the canonical JSON of `{seq, record}`.
 * Removing, reordering or editing a line breaks the chain at that point (verify-trail.ts says where).
 * The chain continues across file rotation and restarts: the first line of a new file holds the previous
 * file's last hash.
 * The writer serialises a record once (chainedLineText): its canonical JSON is what is hashed and what the
 * line carries, so records in files written since then have their keys in canonical (sorted) order; lines
 * written before carry them in build order. Verification parses the line and canonicalises the record
 * again, so both verify alike.
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

/**
 * The line that chains `record` after `head` (with its newline) and the new head. The same bytes a verifier
 * reads back as `{seq, record, prev, hash}`, with `hash === hashLink(prev, seq, record)`: the canonical JSON
 * of `{seq, record}` is `{"record":<canonical record>,"seq":<seq>}` (keys sorted), so the record is
 * canonicalised once for both.
 */
export function chainedLineText(head: ChainHead, record: object): { readonly head: ChainHead; readonly text: string } {
  const seq = head.seq + 1;
  const canonical = canonicalize(record) ?? 'null';
  const hash = createHash('sha256').update(head.hash).update('\n').update(`{"record":${canonical},"seq":${seq}}`).digest('hex');
  return { head: { seq, hash }, text: `{"seq":${seq},"record":${canonical},"prev":${JSON.stringify(head.hash)},"hash":"${hash}"}\n` };
}

export function isChainedLine(value: unknown): value is ChainedLine<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ChainedLine<unknown>>;
  return typeof v.seq === 'number' && Number.isInteger(v.seq) && typeof v.prev === 'string' && typeof v.hash === 'string' && 'record' in v;
}
