/** Shared helpers for the audit file tests: a sink on a temp dir with a controllable clock and keys. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAuditSink, type AuditSink, type AuditSinkSettings } from '../../src/audit/audit-sink';
import type { ChainWriterDeps } from '../../src/audit/chain-writer';
import type { AuditRecord } from '../../src/audit/audit-record';

export function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'callgate-audit-'));
}

/** Writes an Ed25519 key pair as PEM files; returns their paths. */
export function writeKeyPair(dir: string, name = 'audit'): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const priv = path.join(dir, `${name}.key.pem`);
  const pub = path.join(dir, `${name}.pub.pem`);
  writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKey: priv, publicKey: pub };
}

export function fileSettings(file: string, overrides: Partial<AuditSinkSettings> = {}): AuditSinkSettings {
  return { kind: 'file', file, rotation: { maxBytes: 0, daily: false, keep: 0 }, signingKey: '', everyRecords: 0, everySeconds: 0, ...overrides };
}

export interface Clock extends ChainWriterDeps {
  set(iso: string): void;
  /** Runs the registered interval callbacks (as if their time had come). */
  tick(): void;
}

export function fakeClock(iso = '2026-11-25T10:00:00Z'): Clock {
  let now = new Date(iso);
  const timers = new Set<() => void>();
  return {
    now: () => now,
    every: (_ms, fn) => {
      timers.add(fn);
      return () => timers.delete(fn);
    },
    set: (next) => {
      now = new Date(next);
    },
    tick: () => timers.forEach((fn) => fn()),
  };
}

export function recordOf(id: string): AuditRecord {
  return { decision_id: id, decision: 'allow', functions: ['f'], principal: 'User::"a"' } as unknown as AuditRecord;
}

export function writeRecords(sink: AuditSink, ids: readonly string[]): void {
  for (const id of ids) sink.write(recordOf(id));
}

export function openSink(settings: AuditSinkSettings, clock: Clock = fakeClock()): AuditSink {
  return createAuditSink(settings, clock);
}
