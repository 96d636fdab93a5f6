import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { rotatedFilesOf } from '../../../src/audit/rotating-file';
import { verifyTrail } from '../../../src/audit/verify-trail';
import { loadPublicKey } from '../../../src/audit/checkpoint';
import { fakeClock, fileSettings, openSink, tempDir, writeKeyPair, writeRecords } from '../../support/audit-files';

function linesOf(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

function trailOf(file: string): { name: string; text: string }[] {
  return [...rotatedFilesOf(file), file].map((name) => ({ name, text: readFileSync(name, 'utf8') }));
}

describe('audit file sink', () => {
  it('continues one chain across restarts: the first record after a restart holds the last hash', () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const first = openSink(fileSettings(file));
    writeRecords(first, ['a', 'b']);
    first.close();
    const again = openSink(fileSettings(file));
    writeRecords(again, ['c']);
    again.close();
    const lines = linesOf(file);
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3]);
    expect(lines[2]?.prev).toBe(lines[1]?.hash);
    expect(verifyTrail(trailOf(file), undefined)).toMatchObject({ ok: true, records: 3 });
  });

  it('rotates by size, keeps the newest N rotated files, and the chain continues across files', () => {
    const dir = tempDir();
    const file = path.join(dir, 'audit.jsonl');
    const clock = fakeClock();
    const sink = openSink(fileSettings(file, { rotation: { maxBytes: 600, daily: false, keep: 2 } }), clock);
    for (let i = 0; i < 12; i++) {
      clock.set(`2026-11-25T10:00:${String(i).padStart(2, '0')}Z`);
      writeRecords(sink, [`r${i}`]);
    }
    sink.close();
    const rotated = rotatedFilesOf(file);
    expect(rotated).toHaveLength(2);
    expect(readdirSync(dir).sort()).toEqual(['audit.jsonl', ...rotated.map((r) => path.basename(r))].sort());
    for (const name of [...rotated, file]) expect(readFileSync(name).length).toBeLessThanOrEqual(600);
    const firstOfActive = linesOf(file)[0];
    const lastOfPrevious = linesOf(rotated[1]!).at(-1);
    expect(firstOfActive?.prev).toBe(lastOfPrevious?.hash);
    const report = verifyTrail(trailOf(file), undefined);
    expect(report.ok).toBe(true);
    expect(report.notes.join('\n')).toMatch(/chain starts at seq \d+ \(earlier files/);
  });

  it('rotates at the first record of a new UTC day', () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const clock = fakeClock('2026-11-25T23:59:58Z');
    const sink = openSink(fileSettings(file, { rotation: { maxBytes: 0, daily: true, keep: 0 } }), clock);
    writeRecords(sink, ['a', 'b']);
    clock.set('2026-11-26T00:00:01Z');
    writeRecords(sink, ['c']);
    sink.close();
    const rotated = rotatedFilesOf(file);
    expect(rotated.map((r) => path.basename(r))).toEqual(['audit.20261126T000001000Z.jsonl']);
    expect(linesOf(rotated[0]!).map((l) => (l.record as { decision_id: string }).decision_id)).toEqual(['a', 'b']);
    expect(linesOf(file).map((l) => l.seq)).toEqual([3]);
  });

  it('signs a checkpoint every N records, on the timer, before each rotation and at close', () => {
    const dir = tempDir();
    const keys = writeKeyPair(dir);
    const file = path.join(dir, 'audit.jsonl');
    const clock = fakeClock();
    const sink = openSink(fileSettings(file, { signingKey: keys.privateKey, everyRecords: 3, everySeconds: 60, rotation: { maxBytes: 1500, daily: false, keep: 0 } }), clock);
    writeRecords(sink, ['a', 'b', 'c', 'd']);
    clock.tick();
    writeRecords(sink, ['e']);
    clock.set('2026-11-25T10:05:00Z');
    writeRecords(sink, ['f']);
    writeRecords(sink, ['g', 'h', 'i', 'j', 'k']);
    sink.close();
    const trail = trailOf(file);
    expect(trail.length).toBeGreaterThan(1);
    for (const f of trail) expect(readFileSync(f.name, 'utf8').trim().split('\n').at(-1)).toContain('"checkpoint"');
    const all = trail.flatMap((f) => linesOf(f.name));
    const seqOfCheckpoints = all.filter((l) => 'checkpoint' in l).map((l) => (l.checkpoint as { seq: number }).seq);
    expect(seqOfCheckpoints.slice(0, 3)).toEqual([3, 4, 6]); // every 3, the timer, 5 min since the last
    expect(seqOfCheckpoints.at(-1)).toBe(11);
    expect(verifyTrail(trail, loadPublicKey(keys.publicKey))).toMatchObject({ ok: true, records: 11 });
  });

  it('after a crash, counts the records left unsigned so the next checkpoint comes on time', () => {
    const dir = tempDir();
    const keys = writeKeyPair(dir);
    const file = path.join(dir, 'audit.jsonl');
    const settings = fileSettings(file, { signingKey: keys.privateKey, everyRecords: 3 });
    const first = openSink(settings);
    writeRecords(first, ['a', 'b', 'c', 'd']);
    first.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    writeFileSync(file, `${lines.slice(0, -1).join('\n')}\n`); // the crash: no checkpoint at close
    const again = openSink(settings);
    writeRecords(again, ['e', 'f']);
    const seqs = linesOf(file).filter((l) => 'checkpoint' in l).map((l) => (l.checkpoint as { seq: number }).seq);
    expect(seqs).toEqual([3, 6]);
    again.close();
    expect(verifyTrail(trailOf(file), loadPublicKey(keys.publicKey))).toMatchObject({ ok: true, records: 6 });
  });

  it('fails loudly when the signing key is not an Ed25519 private key', () => {
    const dir = tempDir();
    const keys = writeKeyPair(dir);
    expect(() => openSink(fileSettings(path.join(dir, 'a.jsonl'), { signingKey: keys.publicKey }))).toThrow();
    expect(() => openSink(fileSettings(path.join(dir, 'a.jsonl'), { signingKey: path.join(dir, 'missing.pem') }))).toThrow();
  });

  it('starts the next record on a fresh line after a torn write', () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const sink = openSink(fileSettings(file));
    writeRecords(sink, ['a']);
    sink.close();
    appendFileSync(file, '{"seq":2,"rec');
    const again = openSink(fileSettings(file));
    writeRecords(again, ['b']);
    again.close();
    const report = verifyTrail(trailOf(file), undefined);
    expect(report.problems.map((p) => [p.kind, p.line])).toEqual([['unparsable', 2]]);
  });
});
