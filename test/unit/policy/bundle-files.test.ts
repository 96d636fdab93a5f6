import { mkdirSync, mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { computeRevision, readBundleFiles, statBundleFiles } from '../../../src/policy/bundle-files';

describe('statBundleFiles (the poll signature: metadata only)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'callgate-stat-'));
    writeFileSync(path.join(dir, 'a.cedar'), 'permit(principal, action, resource);\n');
    writeFileSync(path.join(dir, 'entities.json'), '[]');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is stable while nothing changes', async () => {
    expect(await statBundleFiles(dir)).toBe(await statBundleFiles(dir));
  });

  it('changes on a same-size rewrite of a policy file', async () => {
    const before = await statBundleFiles(dir);
    writeFileSync(path.join(dir, 'a.cedar'), 'forbid(principal, action, resource);\n');
    expect(await statBundleFiles(dir)).not.toBe(before);
  });

  it('changes when a policy file is added or entities.json goes away', async () => {
    const before = await statBundleFiles(dir);
    writeFileSync(path.join(dir, 'b.cedar'), 'permit(principal, action, resource);\n');
    const added = await statBundleFiles(dir);
    expect(added).not.toBe(before);
    unlinkSync(path.join(dir, 'entities.json'));
    expect(await statBundleFiles(dir)).not.toBe(added);
  });
});

describe('readBundleFiles: blocking and background reads', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'callgate-read-'));
    mkdirSync(path.join(dir, 'nested'));
    writeFileSync(path.join(dir, 'b.cedar'), 'forbid(principal, action, resource);\n');
    writeFileSync(path.join(dir, 'nested', 'a.cedar'), 'permit(principal, action, resource);\n');
    writeFileSync(path.join(dir, 'entities.json'), '[]');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('read the same files, contents and revision; a missing schema is absent in both', async () => {
    const background = await readBundleFiles(dir);
    const blocking = await readBundleFiles(dir, 'blocking');
    expect(blocking).toEqual(background);
    expect(blocking.policies.map((f) => f.path)).toEqual(['b.cedar', 'nested/a.cedar']);
    expect(blocking.policies[1]?.text).toBe('permit(principal, action, resource);\n');
    expect(blocking.schema).toBeUndefined();
    expect(blocking.entities?.text).toBe('[]');
  });

  it('reject alike when a file cannot be read (entities.json is a directory)', async () => {
    rmSync(path.join(dir, 'entities.json'));
    mkdirSync(path.join(dir, 'entities.json'));
    await expect(readBundleFiles(dir, 'blocking')).rejects.toThrow(/EISDIR/);
    await expect(readBundleFiles(dir)).rejects.toThrow(/EISDIR/);
  });
});

describe('computeRevision', () => {
  // The revision names a bundle in audit records, metrics and the validation cache's key: it must not change
  // for the same files. Pinned to the digest of the implementation before 2026-12-08 (a Buffer per file).
  it('gives the same revision as before for the same files, in any order, non-ASCII text included', () => {
    const files = [
      { path: 'b.cedar', text: 'permit(principal, action, resource);\n' },
      { path: 'a/é.cedar', text: '// café ✓ \ud83d\ude00 \ud800\nforbid(principal, action, resource);' },
      { path: 'entities.json', text: '[]' },
    ];
    expect(computeRevision(files)).toBe('5b6069de2a8e699b');
    expect(computeRevision([...files].reverse())).toBe('5b6069de2a8e699b');
    expect(computeRevision(files.slice(1))).not.toBe('5b6069de2a8e699b');
  });
});
