/**
 * Tamper evidence: every line carries the hash of the line before it (`prev`) and its own hash over
 * `prev` + the record's canonical JSON. Removing, reordering or editing a line breaks the chain at that
 * point; `verifyChain` reports where.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

export const GENESIS = '0'.repeat(64);

export interface ChainedLine<T> {
  readonly record: T;
  readonly prev: string;
  readonly hash: string;
}

export function hashLink(prev: string, record: unknown): string {
  return createHash('sha256').update(prev).update('\n').update(canonicalize(record) ?? 'null').digest('hex');
}

export function chain<T>(prev: string, record: T): ChainedLine<T> {
  return { record, prev, hash: hashLink(prev, record) };
}

export type ChainProblem = { readonly line: number; readonly kind: 'unparsable' | 'edited' | 'broken-link'; readonly message: string };

/** Verifies JSON lines written by the audit sink; `start` is the `prev` the first line must carry. */
export function verifyChain(lines: readonly string[], start: string | undefined = undefined): { readonly records: number; readonly problems: ChainProblem[]; readonly last: string | undefined } {
  const problems: ChainProblem[] = [];
  let expected = start;
  let count = 0;
  for (const [index, text] of lines.entries()) {
    if (text.trim() === '') continue;
    const line = index + 1;
    let parsed: ChainedLine<unknown>;
    try {
      parsed = JSON.parse(text) as ChainedLine<unknown>;
    } catch {
      problems.push({ line, kind: 'unparsable', message: 'not a JSON audit line (truncated or edited)' });
      expected = undefined;
      continue;
    }
    count += 1;
    if (typeof parsed.hash !== 'string' || typeof parsed.prev !== 'string' || hashLink(parsed.prev, parsed.record) !== parsed.hash) {
      problems.push({ line, kind: 'edited', message: 'record does not match its hash (edited)' });
    } else if (expected !== undefined && parsed.prev !== expected) {
      problems.push({ line, kind: 'broken-link', message: 'does not follow the previous record (a record was removed or reordered)' });
    }
    expected = typeof parsed.hash === 'string' ? parsed.hash : undefined;
  }
  return { records: count, problems, last: expected };
}
