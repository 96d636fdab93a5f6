'use strict';
// `node bench/run.js --help` lists every flag run.js accepts, and an unknown flag points at it.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const RUN = path.join(__dirname, '..', 'run.js');

describe('bench/run.js --help', () => {
  it('prints a usage naming every accepted flag and exits 0 without running anything', () => {
    const out = spawnSync(process.execPath, [RUN, '--help'], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    const accepted = [...fs.readFileSync(RUN, 'utf8').matchAll(/flag === '(--[a-z0-9-]+)'/g)].map((m) => m[1]);
    expect(accepted.length).toBeGreaterThan(10);
    for (const flag of accepted) expect(out.stdout).toContain(flag);
    expect(out.stderr).toBe(''); // nothing started: run.js reports the machine and work dir on stderr when it runs
  });

  it('refuses an unknown flag, naming --help', () => {
    const out = spawnSync(process.execPath, [RUN, '--bogus'], { encoding: 'utf8' });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('unknown flag --bogus (node bench/run.js --help lists them)');
  });
});
