/**
 * Writes audit records as hash-chained JSON lines to an output, synchronously, and — when a signing key is
 * configured — a signed checkpoint every `everyRecords` records and/or `everySeconds` seconds, before each
 * rotation (so every rotated file ends sealed) and at close. A failed append leaves the chain where it was;
 * the next line starts on a fresh line so one broken write never glues two records together.
 */
import { chainedLineText, type ChainHead } from './hash-chain';
import type { CheckpointSigner } from './checkpoint';
import type { AuditRecord } from './audit-record';
import type { AuditEntry } from './approval-audit-record';

export interface LineOutput {
  needsRotation(bytes: number, now: Date): boolean;
  rotate(now: Date): void;
  append(text: string): void;
  close(): void;
}

export interface CheckpointPolicy {
  readonly signer?: CheckpointSigner;
  /** 0 = not by count. */
  readonly everyRecords: number;
  /** 0 = not by time. */
  readonly everySeconds: number;
}

export interface ChainWriter {
  write(record: AuditEntry): void;
  /** Writes a checkpoint now if a key is configured and records were written since the last one. */
  checkpoint(): void;
  close(): void;
}

export interface ChainWriterDeps {
  now(): Date;
  /** Runs `fn` every `ms` until the returned function is called (injected so tests control time). */
  every(ms: number, fn: () => void): () => void;
}

export const REAL_TIMERS: ChainWriterDeps = {
  now: () => new Date(),
  every: (ms, fn) => {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** `start.unsigned`: records already in the output after its last checkpoint (a restart after a crash). */
export function createChainWriter(out: LineOutput, start: ChainHead & { readonly unsigned?: number }, policy: CheckpointPolicy, deps: ChainWriterDeps): ChainWriter {
  let head: ChainHead = { seq: start.seq, hash: start.hash };
  let pending = start.unsigned ?? 0;
  let lastCheckpointMs = deps.now().getTime();
  let brokenLine = false;

  const append = (text: string): void => {
    const full = brokenLine ? `\n${text}` : text;
    try {
      out.append(full);
      brokenLine = false;
    } catch (err) {
      brokenLine = true;
      throw err;
    }
  };
  const checkpoint = (): void => {
    if (policy.signer === undefined || pending === 0 || head.seq === 0) return;
    const now = deps.now();
    const line = policy.signer.sign({ seq: head.seq, head: head.hash, time: now.toISOString(), key_id: policy.signer.keyId, every_records: policy.everyRecords });
    append(`${JSON.stringify(line)}\n`);
    pending = 0;
    lastCheckpointMs = now.getTime();
  };
  const stopTimer = policy.signer !== undefined && policy.everySeconds > 0 ? deps.every(policy.everySeconds * 1000, () => tryCheckpoint(checkpoint)) : () => undefined;

  return {
    write(record) {
      const now = deps.now();
      const line = chainedLineText(head, record);
      const text = line.text;
      if (out.needsRotation(Buffer.byteLength(text, 'utf8'), now)) {
        checkpoint();
        out.rotate(now);
      }
      append(text);
      head = line.head;
      pending += 1;
      const byCount = policy.everyRecords > 0 && pending >= policy.everyRecords;
      const byTime = policy.everySeconds > 0 && now.getTime() - lastCheckpointMs >= policy.everySeconds * 1000;
      if (byCount || byTime) checkpoint();
    },
    checkpoint,
    close() {
      stopTimer();
      try {
        checkpoint();
      } finally {
        out.close();
      }
    },
  };
}

/** A timer's checkpoint that fails is retried at the next record or tick; the record path reports failures. */
function tryCheckpoint(checkpoint: () => void): void {
  try {
    checkpoint();
  } catch {
    // the next write hits the same output and fails the decision closed if it is still broken
  }
}
