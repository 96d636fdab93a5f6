'use strict';
// The end-of-run check of issue 7's targets: each target is met, missed, or not measured from the run's own rows.
const { checkIssueTargets, formatIssueTargets } = require('../lib/issue-targets');

function row(scenario, target, rps, p99, ratio) {
  return { scenario, target, result: { rps, latencyMs: { p99 } }, ratios: ratio === undefined ? null : { rps: ratio } };
}

function scalingRow(policies, perDecisionUs, rssLoadedMiB, readyMs) {
  return { policies, perDecisionUs, rssLoadedMiB, readyMs, coldReadyMs: readyMs * 10 };
}

const statusOf = (checks, prefix) => checks.find((c) => c.target.startsWith(prefix)).status;

describe('checkIssueTargets', () => {
  test('a run that meets every target reports each as met', () => {
    const rows = [
      row('closed 1 conn x 16', 'callgate', 2500, 3, 0.5), row('closed 4 conn x 64', 'callgate', 3000, 9, 0.45),
      row('open 1000 rps', 'floor', 1000, 0.4), row('open 1000 rps', 'callgate', 1000, 0.9, 1),
    ];
    const scaling = [scalingRow(100, 400, 120, 300), scalingRow(10_000, 500, 130, 900), scalingRow(100_000, 700, 140, 2000)];
    const checks = checkIssueTargets(rows, scaling);
    expect(checks.map((c) => c.status)).toEqual(['met', 'met', 'met', 'met', 'met']);
  });

  test('the worst closed scenario decides the throughput share; each other target is checked on its own figure', () => {
    const rows = [
      row('closed 1 conn x 16', 'callgate', 2500, 3, 0.5), row('closed 4 conn x 64', 'callgate', 1100, 90, 0.2),
      row('open 1000 rps', 'floor', 1000, 15), row('open 1000 rps', 'callgate', 1000, 40, 1),
    ];
    const scaling = [scalingRow(100, 400, 120, 300), scalingRow(10_000, 500, 130, 1001), scalingRow(100_000, 900, 160, 2000)];
    const checks = checkIssueTargets(rows, scaling);
    expect(statusOf(checks, 'full Check')).toBe('missed');
    expect(checks[0].measured).toBe('50 % / 20 % (closed 1 conn x 16 / closed 4 conn x 64)');
    expect(statusOf(checks, 'p99')).toBe('missed');
    expect(checks[1].context).toContain('p99 15 ms');
    expect(statusOf(checks, 'server CPU')).toBe('missed');
    expect(checks[2].measured).toContain('2.25x');
    expect(statusOf(checks, 'RSS')).toBe('missed'); // 160 MiB = 168 MB
    expect(statusOf(checks, 'ready')).toBe('missed');
  });

  test('a p99 under 1 ms does not count when the server did not hold the rate', () => {
    const rows = [row('open 1000 rps', 'callgate', 700, 0.8, 0.7)];
    expect(statusOf(checkIssueTargets(rows, []), 'p99')).toBe('missed');
  });

  test('sizes the run left out are "not measured", never met', () => {
    const checks = checkIssueTargets([], [scalingRow(100, 400, 120, 300), scalingRow(10_000, 500, 130, 900)]);
    expect(statusOf(checks, 'server CPU')).toBe('not measured');
    expect(statusOf(checks, 'RSS')).toBe('not measured');
    expect(statusOf(checks, 'full Check')).toBe('not measured');
    expect(statusOf(checks, 'ready')).toBe('met');
    expect(formatIssueTargets(checks)).toMatch(/^not measured .*RSS/m);
  });

  test('the uncapped 100,000 row is reported beside the default one, never in its place', () => {
    const scaling = [scalingRow(100, 400, 120, 300), scalingRow(100_000, 1600, 140, 2000), { ...scalingRow(100_000, 500, 600, 2000), variant: 'no cap' }];
    const checks = checkIssueTargets([], scaling);
    expect(statusOf(checks, 'server CPU')).toBe('missed');
    expect(checks[2].measured).toContain('4x');
    expect(checks[2].context).toContain('with 0 (no cap): 1.25x at 600 MiB');
    expect(statusOf(checks, 'RSS')).toBe('met');
  });
});
