'use strict';
// `node bench/tool-listing.js` lists the example bundle's tools server for distinct callers and reports
// CPU per listing, uncached and cached, with what was listed (needs `npm run build`, as npm test does).
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const SCRIPT = path.join(__dirname, '..', 'tool-listing.js');

describe('bench/tool-listing.js', () => {
  it('prints CPU per listing uncached and cached, and the tools an engineer may call', () => {
    const out = spawnSync(process.execPath, [SCRIPT, '--callers', '3', '--rounds', '1'], { encoding: 'utf8', timeout: 60_000 });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/3 callers x 1 rounds; CPU per listing median \d+ µs uncached \(rounds \d+\), \d+ µs cached; listed: /);
    expect(out.stdout).toContain('listed: create_issue,payments.get,payments.list,read_file,search_issues');
  });

  it('refuses an unknown flag', () => {
    const out = spawnSync(process.execPath, [SCRIPT, '--bogus'], { encoding: 'utf8' });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('unknown flag --bogus');
  });
});
