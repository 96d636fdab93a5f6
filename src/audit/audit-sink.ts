/**
 * Where audit records go. Writes are synchronous (a decision's record is on disk or on stdout before its
 * answer is sent), so a crash never loses the tail; close() writes the last checkpoint and closes the file.
 * A file sink continues the chain from the last record already written (in the active file, else the
 * newest rotated one), so restarts and rotations keep one chain.
 */
import { existsSync, readFileSync } from 'node:fs';
import { EMPTY_CHAIN, isChainedLine, type ChainHead } from './hash-chain';
import { createChainWriter, REAL_TIMERS, type ChainWriterDeps, type CheckpointPolicy, type LineOutput } from './chain-writer';
import { openRotatingFile, rotatedFilesOf, writeFully, type RotationPolicy } from './rotating-file';
import { isCheckpointLine, loadSigner, type CheckpointStatement } from './checkpoint';
import type { AuditRecord } from './audit-record';
import type { AuditEntry } from './approval-audit-record';

export interface AuditSink {
  /** Throws when the record could not be written. */
  write(record: AuditEntry): void;
  close(): void;
}

export const NO_AUDIT: AuditSink = Object.freeze({ write: () => undefined, close: () => undefined });

export interface AuditSinkSettings {
  readonly kind: 'none' | 'stdout' | 'file';
  readonly file: string;
  readonly rotation: RotationPolicy;
  /** PEM file of the Ed25519 private key that signs checkpoints ("" = no checkpoints). */
  readonly signingKey: string;
  readonly everyRecords: number;
  readonly everySeconds: number;
}

/** Where the chain stands at the end of a file's text, and how many records there are not yet signed. */
function lastHeadIn(text: string): (ChainHead & { unsigned: number }) | undefined {
  const lines = text.split('\n');
  let head: ChainHead | undefined;
  let unsigned = 0;
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const line = lines[i]?.trim() ?? '';
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue; // a torn line (crash mid-write): keep looking further up
    }
    if (isCheckpointLine(parsed)) break;
    if (!isChainedLine(parsed)) continue;
    head ??= { seq: parsed.seq, hash: parsed.hash };
    unsigned += 1;
  }
  if (head !== undefined) return { ...head, unsigned };
  const checkpoint = lastCheckpointIn(lines);
  return checkpoint === undefined ? undefined : { seq: checkpoint.seq, hash: checkpoint.head, unsigned: 0 };
}

function lastCheckpointIn(lines: readonly string[]): CheckpointStatement | undefined {
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    try {
      const parsed: unknown = JSON.parse(lines[i] ?? '');
      if (isCheckpointLine(parsed)) return parsed.checkpoint;
    } catch {
      // not a line of ours
    }
  }
  return undefined;
}

/** Where the chain stands in `file` and its rotated siblings (`unsigned`: records after the last checkpoint). */
export function readChainHead(file: string): ChainHead & { unsigned: number } {
  const candidates = [file, ...rotatedFilesOf(file).reverse()];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const head = lastHeadIn(readFileSync(candidate, 'utf8'));
    if (head !== undefined) return head;
  }
  return { ...EMPTY_CHAIN, unsigned: 0 };
}

function stdoutOutput(): LineOutput {
  return { needsRotation: () => false, rotate: () => undefined, append: (text) => writeFully(1, text), close: () => undefined };
}

function fileOutput(file: string, rotation: RotationPolicy, now: Date): LineOutput {
  const torn = existsSync(file) && !readFileSync(file, 'utf8').match(/(^|\n)$/);
  const out = openRotatingFile(file, rotation, now);
  if (torn) out.append('\n');
  return out;
}

function checkpointPolicyOf(settings: AuditSinkSettings): CheckpointPolicy {
  const base = { everyRecords: settings.everyRecords, everySeconds: settings.everySeconds };
  return settings.signingKey === '' ? base : { ...base, signer: loadSigner(settings.signingKey) };
}

/** Throws when the key or the file cannot be opened (a startup error). */
export function createAuditSink(settings: AuditSinkSettings, deps: ChainWriterDeps = REAL_TIMERS): AuditSink {
  switch (settings.kind) {
    case 'none':
      return NO_AUDIT;
    case 'stdout':
      return createChainWriter(stdoutOutput(), EMPTY_CHAIN, checkpointPolicyOf(settings), deps);
    case 'file': {
      const policy = checkpointPolicyOf(settings);
      const head = readChainHead(settings.file);
      return createChainWriter(fileOutput(settings.file, settings.rotation, deps.now()), head, policy, deps);
    }
  }
}
