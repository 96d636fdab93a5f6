import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runAuditVerify } from '../../../src/cli/audit-verify';
import { rotatedFilesOf } from '../../../src/audit/rotating-file';
import { fakeClock, fileSettings, openSink, tempDir, writeKeyPair, writeRecords } from '../../support/audit-files';

/** A signed trail: 10 records, a checkpoint every 4 records, closed cleanly (final checkpoint). */
function signedTrail(): { dir: string; file: string; keys: { privateKey: string; publicKey: string } } {
  const dir = tempDir();
  const keys = writeKeyPair(dir);
  const file = path.join(dir, 'audit.jsonl');
  const sink = openSink(fileSettings(file, { signingKey: keys.privateKey, everyRecords: 4 }), fakeClock());
  writeRecords(sink, ['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7', 'd8', 'd9']);
  sink.close();
  return { dir, file, keys };
}

/** Lines: 1-4 records d0-d3, 5 checkpoint(4), 6-9 d4-d7, 10 checkpoint(8), 11-12 d8-d9, 13 checkpoint(10). */
function edit(file: string, change: (lines: string[]) => void): void {
  const lines = readFileSync(file, 'utf8').split('\n').slice(0, -1);
  change(lines);
  writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
}

describe('callgate audit verify', () => {
  it('passes an intact signed trail (exit 0 semantics: ok)', () => {
    const { file, keys } = signedTrail();
    const result = runAuditVerify([file], { publicKey: keys.publicKey });
    expect(result).toEqual({ ok: true, output: 'ok: 10 records, 3 checkpoints, chain intact, signatures valid' });
  });

  it('names the record when one byte of the file is edited', () => {
    const { file, keys } = signedTrail();
    const bytes = readFileSync(file);
    const text = bytes.toString('utf8');
    const at = text.indexOf('"d5"') + 2; // the "5" of d5's decision id
    bytes[at] = '6'.charCodeAt(0);
    writeFileSync(file, bytes);
    const result = runAuditVerify([file], { publicKey: keys.publicKey });
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/audit\.jsonl:7: edited: record seq 6 does not match its hash \(edited\) \(decision_id d6\)/);
  });

  it('detects an edit anywhere: flipping any single byte of any record line is reported', () => {
    const { file } = signedTrail();
    const original = readFileSync(file);
    const lineStarts = [0];
    original.forEach((b, i) => b === 10 && lineStarts.push(i + 1));
    const recordLine = original.subarray(lineStarts[1], lineStarts[2] ?? original.length - 1);
    for (let i = 0; i < recordLine.length - 1; i += 7) {
      const bytes = Buffer.from(original);
      bytes[(lineStarts[1] ?? 0) + i] = bytes[(lineStarts[1] ?? 0) + i] === 0x41 ? 0x42 : 0x41;
      writeFileSync(file, bytes);
      const result = runAuditVerify([file]);
      expect(result.ok).toBe(false);
      expect(result.output).toMatch(/audit\.jsonl:2: /);
    }
  });

  it('reports a removed record with the gap', () => {
    const { file } = signedTrail();
    edit(file, (l) => l.splice(6, 1)); // d5
    const result = runAuditVerify([file]);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/audit\.jsonl:7: removed: expected seq 6 after seq 5, found seq 7: 1 record\(s\) missing here .*\(decision_id d6\)/);
  });

  it('reports reordered records', () => {
    const { file } = signedTrail();
    edit(file, (l) => ([l[5], l[6]] = [l[6]!, l[5]!]));
    const result = runAuditVerify([file]);
    expect(result.output).toMatch(/audit\.jsonl:6: removed: .*\(decision_id d5\)/);
    expect(result.output).toMatch(/audit\.jsonl:7: reordered: seq 5 comes after seq 6 .*\(decision_id d4\)/);
  });

  it('reports the last records removed as missing from the signed count (truncation)', () => {
    const { file } = signedTrail();
    edit(file, (l) => l.splice(10, 2)); // d8, d9; the final checkpoint signs 10
    const result = runAuditVerify([file]);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/audit\.jsonl:11: truncated: checkpoint signs 10 records but the chain here ends at seq 8: 2 record\(s\) removed/);
  });

  it('reports a torn last line', () => {
    const { file } = signedTrail();
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, -30));
    expect(runAuditVerify([file]).output).toMatch(/audit\.jsonl:13: truncated: the last line is incomplete/);
  });

  it('reports checkpoints signed by another key, and forged checkpoints', () => {
    const { dir, file } = signedTrail();
    const other = writeKeyPair(dir, 'other');
    const result = runAuditVerify([file], { publicKey: other.publicKey });
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/audit\.jsonl:5: foreign-key: checkpoint signed by another key \(key id [0-9a-f]{16}, expected [0-9a-f]{16}\)/);
  });

  it('reports a rewritten chain whose checkpoint was re-signed with another key', () => {
    const { dir, file, keys } = signedTrail();
    const forger = writeKeyPair(dir, 'forger');
    const forged = path.join(dir, 'forged.jsonl');
    const sink = openSink(fileSettings(forged, { signingKey: forger.privateKey, everyRecords: 4 }), fakeClock());
    writeRecords(sink, ['d0', 'd1', 'dX']);
    sink.close();
    const result = runAuditVerify([forged], { publicKey: keys.publicKey });
    expect(result.output).toMatch(/forged\.jsonl:4: foreign-key/);
    expect(runAuditVerify([file], { publicKey: keys.publicKey }).ok).toBe(true);
  });

  it('reports an edited checkpoint signature', () => {
    const { file, keys } = signedTrail();
    edit(file, (l) => (l[4] = l[4]!.replace(/"signature":"(.)/, (_m, c: string) => `"signature":"${c === 'A' ? 'B' : 'A'}`)));
    expect(runAuditVerify([file], { publicKey: keys.publicKey }).output).toMatch(/audit\.jsonl:5: bad-signature/);
  });

  it('with a key, reports missing checkpoints: none at all, or a removed periodic one', () => {
    const { file, keys } = signedTrail();
    edit(file, (l) => l.splice(4, 1)); // the checkpoint after d3
    expect(runAuditVerify([file], { publicKey: keys.publicKey }).output).toMatch(/audit\.jsonl:9: missing-checkpoint: 8 records before this checkpoint, but the writer signs every 4/);
    edit(file, (l) => l.splice(0, l.length, ...l.filter((x) => !x.includes('"checkpoint"'))));
    const none = runAuditVerify([file], { publicKey: keys.publicKey });
    expect(none.output).toMatch(/missing-checkpoint: no checkpoint at all/);
    expect(runAuditVerify([file]).ok).toBe(true); // without a key the chain alone is intact
  });

  it('across rotated files: verifies them in order and reports a rotated file without its seal', () => {
    const dir = tempDir();
    const keys = writeKeyPair(dir);
    const file = path.join(dir, 'audit.jsonl');
    const clock = fakeClock();
    const sink = openSink(fileSettings(file, { signingKey: keys.privateKey, everyRecords: 100, rotation: { maxBytes: 700, daily: false, keep: 0 } }), clock);
    for (let i = 0; i < 8; i++) {
      clock.set(`2026-11-25T10:00:0${i}Z`);
      writeRecords(sink, [`r${i}`]);
    }
    sink.close();
    const files = [...rotatedFilesOf(file), file];
    expect(files.length).toBeGreaterThan(2);
    expect(runAuditVerify(files, { publicKey: keys.publicKey }).ok).toBe(true);
    expect(runAuditVerify([files[0]!, ...files.slice(2)]).output).toMatch(/removed: expected seq/);
    edit(files[0]!, (l) => l.splice(-2, 2)); // its last record and its seal
    expect(runAuditVerify(files, { publicKey: keys.publicKey }).output).toMatch(/missing-checkpoint: a rotated file must end with its sealing checkpoint/);
  });
});
