'use strict';
// Which of a size's load windows bench/scaling.js reports: the one with the least server CPU per decision.
const { leastCostlyRound, formatScaling } = require('../scaling');

describe('leastCostlyRound', () => {
  test('a disturbed window does not stand for the size', () => {
    const rounds = [{ rps: 2126, perDecisionUs: 400 }, { rps: 4169, perDecisionUs: 209 }];
    expect(leastCostlyRound(rounds)).toBe(rounds[1]);
  });

  test('a window without a CPU reading is passed over while another has one', () => {
    const rounds = [{ rps: 0, perDecisionUs: null }, { rps: 3000, perDecisionUs: 300 }];
    expect(leastCostlyRound(rounds)).toBe(rounds[1]);
    expect(leastCostlyRound([rounds[0]])).toBe(rounds[0]);
  });
});

test('the scaling table shows the reported window\'s foreign CPU beside its cost', () => {
  const row = { policies: 100, functions: 10, coldReadyMs: 1, readyMs: 1, warmupMs: 1, warmupCpuMs: 1, slicesPrepared: 1, slices: 1,
    rssReadyMiB: 1, rssWarmMiB: 1, rssLoadedMiB: 1, rps: 1, p99Ms: 1, perDecisionUs: 209, otherCpuCores: 0.47, costVsSmallest: 1 };
  const [head, , line] = formatScaling([row]).split('\n');
  expect(head).toContain('cpu other');
  expect(line).toContain('0.47');
});
