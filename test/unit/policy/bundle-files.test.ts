import { mkdirSync, mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readBundleFiles, statBundleFiles } from '../../../src/policy/bundle-files';

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
