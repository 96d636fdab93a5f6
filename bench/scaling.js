'use strict';
/**
 * Scaling by policy count (issue 7): bundles of 10 policies per function with 10, 100 and 1,000
 * functions (100, 1,000, 10,000 policies; `--full` adds 10,000 functions = 100,000 policies). For each:
 * start-to-ready time of `callgate serve` twice with the same `--engine-cache-dir` (cold: full validation,
 * which fills the cache; cached: validation skipped), RSS once ready and after load, and server CPU per
 * decision under closed load (on the cached start) with calls spread over every function (requests match
 * the bundle, so none hits the cheap unknown-function path).
 */
const fs = require('node:fs');
const path = require('node:path');
const { encodeRequestPool } = require('./lib/check-requests');
const { generateBundle } = require('./gen-bundle');
const { stopServer } = require('./lib/servers');
const { launchTarget, runLoadClient } = require('./lib/targets');

const SIZES = Object.freeze([10, 100, 1000]);
const FULL_SIZES = Object.freeze([10, 100, 1000, 10000]);

function rssMiB(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : null;
  } catch {
    return null;
  }
}

async function measureSize(functions, options) {
  const dir = path.join(options.workDir, `scaling-${functions}`);
  const bundle = generateBundle(path.join(dir, 'bundle'), { functions });
  const { frames } = encodeRequestPool({ functions, count: 2048 });
  const poolFile = path.join(dir, 'pool.bin');
  fs.writeFileSync(poolFile, Buffer.concat(frames));
  const cacheArgs = ['--engine-cache-dir', path.join(dir, 'cache')];
  const coldStarted = Date.now();
  const cold = await launchTarget('callgate', `callgate-${functions}-cold`, dir, path.join(dir, 'bundle'), options.serverPin, 1_800_000, cacheArgs);
  const coldReadyMs = Date.now() - coldStarted;
  const rssColdMiB = rssMiB(cold.server.pid);
  await stopServer(cold.server);
  const started = Date.now();
  const target = await launchTarget('callgate', `callgate-${functions}`, dir, path.join(dir, 'bundle'), options.serverPin, 600_000, cacheArgs);
  const readyMs = Date.now() - started;
  try {
    const rssReady = rssMiB(target.server.pid);
    const config = {
      name: `scaling ${bundle.policies}`, mode: 'closed', connections: 1, inflight: 16, ...options.window,
      target: target.grpc, poolFile, maxCount: 500_000, requestTimeoutMs: 10_000, serverPid: target.server.pid,
    };
    const result = await runLoadClient(config, dir, options.clientPin);
    const perDecisionUs = result.rps > 0 && result.serverCpuCores !== null ? Math.round((result.serverCpuCores / result.rps) * 1e6) : null;
    return { policies: bundle.policies, functions, coldReadyMs, rssColdMiB, readyMs, rssReadyMiB: rssReady, rssLoadedMiB: rssMiB(target.server.pid), rps: result.rps, p99Ms: result.latencyMs.p99, perDecisionUs, allowed: result.allowed, denied: result.denied };
  } finally {
    await stopServer(target.server);
  }
}

async function runScaling(options) {
  const rows = [];
  for (const functions of options.sizes ?? SIZES) {
    const row = await measureSize(functions, options);
    process.stderr.write(`  scaling · ${row.policies} policies: ready ${row.coldReadyMs} ms cold, ${row.readyMs} ms cached, rss ${row.rssLoadedMiB} MiB, ${row.rps} rps, ${row.perDecisionUs} µs CPU/decision\n`);
    rows.push(row);
  }
  const base = rows[0]?.perDecisionUs;
  return rows.map((r) => ({ ...r, costVsSmallest: base && r.perDecisionUs ? Math.round((r.perDecisionUs / base) * 100) / 100 : null }));
}

function formatScaling(rows) {
  const head = 'policies  functions  ready cold ms  ready cached ms  rss ready MiB  rss loaded MiB    rps  p99 ms  µs CPU/decision  × smallest';
  const lines = rows.map((r) =>
    [String(r.policies).padStart(8), String(r.functions).padStart(10), String(r.coldReadyMs).padStart(14), String(r.readyMs).padStart(16),
      String(r.rssReadyMiB).padStart(14), String(r.rssLoadedMiB).padStart(15), String(r.rps).padStart(6), String(r.p99Ms).padStart(7),
      String(r.perDecisionUs).padStart(16), String(r.costVsSmallest).padStart(11)].join(' '));
  return [head, '-'.repeat(head.length), ...lines].join('\n');
}

module.exports = { SIZES, FULL_SIZES, runScaling, formatScaling };
