import { mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { statBundleFiles } from '../../../src/policy/bundle-files';

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
