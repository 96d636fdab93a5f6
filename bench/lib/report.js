'use strict';
/** Picking the representative round, callgate ÷ floor ratios, and the printed table. */

/**
 * The least disturbed round: on a shared machine other processes only ever slow a round down, so for a
 * closed loop (throughput decided by the server) that is the round with the highest throughput, and for an
 * open loop (a fixed arrival rate, which every round holds unless the server falls behind) the round with
 * the lowest p99 among those that held the most throughput (a round of 999.8 rps and one of 1,000 are the
 * same rate; a stall of the machine shows in the tail, not the rate). Every round is kept in latest.json.
 */
function pickBestRound(rounds) {
  if (rounds.length === 0) return null;
  const open = rounds.every((r) => r.mode === 'open');
  if (!open) return [...rounds].sort((a, b) => b.rps - a.rps)[0];
  const held = Math.max(...rounds.map((r) => r.rps)) * OPEN_RATE_TIE;
  return [...rounds].filter((r) => r.rps >= held).sort((a, b) => a.latencyMs.p99 - b.latencyMs.p99)[0];
}

/** Open-loop rounds within 1 % of the best one's throughput held the same rate. */
const OPEN_RATE_TIE = 0.99;

function ratio(a, b) {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  return Math.round((a / b) * 100) / 100;
}

/** target ÷ floor: throughput (below 1 = slower) and latency (above 1 = slower). */
function computeRatios(target, floor) {
  return {
    rps: ratio(target.rps, floor.rps),
    p50: ratio(target.latencyMs.p50, floor.latencyMs.p50),
    p99: ratio(target.latencyMs.p99, floor.latencyMs.p99),
  };
}

function cell(value, width) {
  const text = value === null || value === undefined ? '-' : String(value);
  return text.padStart(width);
}

const COLUMNS = [
  ['scenario', 22, (r) => r.scenario],
  ['target', 9, (r) => r.target],
  ['rps', 7, (r) => r.result.rps],
  ['p50 ms', 8, (r) => r.result.latencyMs.p50],
  ['p90 ms', 8, (r) => r.result.latencyMs.p90],
  ['p99 ms', 8, (r) => r.result.latencyMs.p99],
  ['p99.9 ms', 9, (r) => r.result.latencyMs.p999],
  ['allow', 7, (r) => r.result.allowed],
  ['deny', 7, (r) => r.result.denied],
  ['shed', 6, (r) => r.result.shed ?? 0],
  ['nonOK', 6, (r) => r.result.nonOk],
  ['cpu srv', 8, (r) => r.result.serverCpuCores],
  ['cpu cli', 8, (r) => r.result.clientCpuCores],
  ['cpu other', 10, (r) => r.result.otherCpuCores],
  ['x rps', 6, (r) => r.ratios?.rps],
  ['x p50', 6, (r) => r.ratios?.p50],
  ['x p99', 6, (r) => r.ratios?.p99],
];

/** Fixed-width table of rows { scenario, target, result, ratios? }. */
function formatTable(rows) {
  const header = COLUMNS.map(([name, width]) => cell(name, width)).join(' ');
  const lines = rows.map((row) => COLUMNS.map(([, width, get]) => cell(get(row), width)).join(' '));
  return [header, '-'.repeat(header.length), ...lines].join('\n');
}

module.exports = { pickBestRound, computeRatios, formatTable };
