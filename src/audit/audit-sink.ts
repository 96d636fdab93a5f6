/**
 * Where audit records go. Writes are synchronous (a decision's record is on disk or on stdout before its
 * answer is sent), so a crash never loses the tail. A file sink continues the chain from the last line
 * already in the file, so restarts keep one chain.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { chain, GENESIS, verifyChain } from './hash-chain';
import type { AuditRecord } from './audit-record';

export interface AuditSink {
  write(record: AuditRecord): void;
  close(): void;
}

export const NO_AUDIT: AuditSink = Object.freeze({ write: () => undefined, close: () => undefined });

function lastHashOf(file: string): string {
  if (!existsSync(file)) return GENESIS;
  const lines = readFileSync(file, 'utf8').split('\n');
  return verifyChain(lines).last ?? GENESIS;
}

export function createFdSink(fd: number, prev: string, closeFd: boolean): AuditSink {
  let last = prev;
  return {
    write(record) {
      const line = chain(last, record);
      writeSync(fd, `${JSON.stringify(line)}\n`);
      last = line.hash;
    },
    close() {
      if (closeFd) closeSync(fd);
    },
  };
}

export function createAuditSink(kind: 'none' | 'stdout' | 'file', file: string): AuditSink {
  switch (kind) {
    case 'none':
      return NO_AUDIT;
    case 'stdout':
      return createFdSink(1, GENESIS, false);
    case 'file':
      return createFdSink(openSync(file, 'a'), lastHashOf(file), true);
  }
}
