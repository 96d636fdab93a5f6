/**
 * An append-only file written synchronously, rolled over by size and/or at the UTC day boundary. The
 * active file keeps its name; a rotated file is renamed `<name>.<UTC timestamp><ext>`
 * (`audit.jsonl` → `audit.20261125T091500123Z.jsonl`), so rotated files sort by name in the order written.
 * Only the newest `keep` rotated files are kept (0 keeps all). The caller decides when to rotate
 * (`needsRotation` before each append) so it can seal the old file first.
 */
import { closeSync, existsSync, fstatSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

export interface RotationPolicy {
  /** Roll over before a line would take the file past this size (0 = no size limit). */
  readonly maxBytes: number;
  /** Roll over at the first write of a new UTC day. */
  readonly daily: boolean;
  /** Rotated files kept (0 = all). */
  readonly keep: number;
}

export interface RotatingFile {
  needsRotation(bytes: number, now: Date): boolean;
  /** Renames the active file away, opens a fresh one, prunes; returns the rotated file's path. */
  rotate(now: Date): string;
  append(text: string): void;
  close(): void;
}

function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function stampOf(now: Date): string {
  return now.toISOString().replace(/[-:.]/g, '');
}

/** Rotated siblings of `file`, oldest first. */
export function rotatedFilesOf(file: string): string[] {
  const dir = dirname(file);
  const ext = extname(file);
  const stem = basename(file, ext);
  const pattern = new RegExp(`^${escapeRegExp(stem)}\\.\\d{8}T\\d{9}Z(?:-\\d+)?${escapeRegExp(ext)}$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => pattern.test(n))
    .sort()
    .map((n) => join(dir, n));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function rotatedNameOf(file: string, now: Date): string {
  const ext = extname(file);
  const base = join(dirname(file), `${basename(file, ext)}.${stampOf(now)}`);
  let candidate = `${base}${ext}`;
  for (let i = 1; existsSync(candidate); i += 1) candidate = `${base}-${i}${ext}`;
  return candidate;
}

export function writeFully(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let at = 0;
  while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
}

export function openRotatingFile(file: string, policy: RotationPolicy, now: Date): RotatingFile {
  let fd = openSync(file, 'a');
  const stat = fstatSync(fd);
  let size = stat.size;
  let day = utcDay(size > 0 ? stat.mtime : now);

  const prune = (): void => {
    if (policy.keep <= 0) return;
    const rotated = rotatedFilesOf(file);
    for (const old of rotated.slice(0, Math.max(0, rotated.length - policy.keep))) unlinkSync(old);
  };

  return {
    needsRotation(bytes, at) {
      if (size === 0) return false;
      return (policy.maxBytes > 0 && size + bytes > policy.maxBytes) || (policy.daily && utcDay(at) !== day);
    },
    rotate(at) {
      closeSync(fd);
      const target = rotatedNameOf(file, at);
      renameSync(file, target);
      fd = openSync(file, 'a');
      size = 0;
      day = utcDay(at);
      prune();
      return target;
    },
    append(text) {
      try {
        writeFully(fd, text);
        size += Buffer.byteLength(text, 'utf8');
      } catch (err) {
        size = sizeOrUnchanged(fd, size);
        throw err;
      }
    },
    close() {
      closeSync(fd);
    },
  };
}

function sizeOrUnchanged(fd: number, size: number): number {
  try {
    return fstatSync(fd).size;
  } catch {
    return size;
  }
}
