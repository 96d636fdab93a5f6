'use strict';
// Which round of a scenario the bench reports: the least disturbed one.
const { pickBestRound } = require('../lib/report');

const closed = (rps, p99) => ({ mode: 'closed', rps, latencyMs: { p99 } });
const open = (rps, p99) => ({ mode: 'open', rps, latencyMs: { p99 } });

describe('pickBestRound', () => {
  test('a closed loop reports its highest-throughput round', () => {
    expect(pickBestRound([closed(3100, 9), closed(3400, 14), closed(3300, 8)])).toEqual(closed(3400, 14));
  });

  test('an open loop that held its rate in every round reports the round with the lowest p99', () => {
    expect(pickBestRound([open(1000, 28.5), open(999.8, 13.2)])).toEqual(open(999.8, 13.2));
  });

  test('an open-loop round that fell behind the rate is not reported for its tail', () => {
    expect(pickBestRound([open(1000, 20), open(700, 2)])).toEqual(open(1000, 20));
  });

  test('no rounds, no result', () => {
    expect(pickBestRound([])).toBeNull();
  });
});
