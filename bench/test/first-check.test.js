'use strict';
// `node bench/first-check.js` starts callgate on a generated bundle and times ready and the first Checks
// (needs `npm run build`, as npm test does).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const SCRIPT = path.join(__dirname, '..', 'first-check.js');

describe('bench/first-check.js', () => {
  it('prints the time to ready and the round trip of each first Check, every one answered OK', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-first-check-test-'));
    try {
      const out = spawnSync(process.execPath, [SCRIPT, '--policies', '100', '--runs', '1', '--checks', '3', '--work', work], { encoding: 'utf8', timeout: 120_000 });
      expect(out.stderr).toBe('');
      expect(out.status).toBe(0);
      expect(out.stdout).toMatch(/: ready \d+ ms, first Checks \d+\.\d \d+\.\d \d+\.\d ms\n/);
      expect(out.stdout).toMatch(/100 policies, cached, server not pinned, load average /);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 150_000);

  it('refuses an unknown argument', () => {
    const out = spawnSync(process.execPath, [SCRIPT, '--bogus'], { encoding: 'utf8' });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('unknown argument --bogus');
  });
});
