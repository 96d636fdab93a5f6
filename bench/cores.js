'use strict';
/**
 * More cores (issue 7, item 4): the same bundle and request pool as the main scenarios, closed 4 conn x 64,
 * with callgate pinned to one core (`taskset -c 1`) and to both (`taskset -c 0,1`), evaluating in the main
 * thread (`engine.workers` 0) or on worker threads (`--engine-workers N`). The load client stays on core 0,
 * so in the two-core rows it shares a core with the server (it used ~0.2 core at these rates).
 */
const { spawnSync } = require('node:child_process');
const { stopServer } = require('./lib/servers');
const { launchTarget, runLoadClient } = require('./lib/targets');

const CONFIGS = Object.freeze([
  { label: '1 core, main thread', cpus: '1', workers: 0 },
  { label: '1 core, 1 worker', cpus: '1', workers: 1 },
  { label: '2 cores, main thread', cpus: '0,1', workers: 0 },
  { label: '2 cores, 2 workers', cpus: '0,1', workers: 2 },
]);

function tasksetWorks() {
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function runCores(options) {
  if (options.nproc < 2 || !tasksetWorks()) return [];
  const rows = [];
  for (const config of CONFIGS) {
    const pin = ['taskset', '-c', config.cpus];
    const extra = config.workers > 0 ? ['--engine-workers', String(config.workers)] : [];
    const target = await launchTarget('callgate', `cores-${config.cpus}-${config.workers}`, options.workDir, options.bundleDir, pin, 120_000, extra);
    try {
      const best = [];
      for (let round = 0; round < options.rounds; round += 1) {
        const result = await runLoadClient({
          name: config.label, mode: 'closed', connections: 4, inflight: 64, ...options.window,
          target: target.grpc, poolFile: options.poolFile, maxCount: 500_000, requestTimeoutMs: 10_000, serverPid: target.server.pid,
        }, options.workDir, options.clientPin);
        process.stderr.write(`  cores · ${config.label} · round ${round + 1}: ${result.rps} rps, p99 ${result.latencyMs.p99} ms\n`);
        best.push(result);
      }
      const result = best.reduce((a, b) => (b.rps > a.rps ? b : a));
      rows.push({ ...config, rps: result.rps, p50Ms: result.latencyMs.p50, p99Ms: result.latencyMs.p99, allowed: result.allowed, denied: result.denied, shed: result.shed, nonOk: result.nonOk, serverCpuCores: result.serverCpuCores, otherCpuCores: result.otherCpuCores });
    } finally {
      await stopServer(target.server);
    }
  }
  const base = rows[0]?.rps;
  return rows.map((r) => ({ ...r, vsOneCore: base ? Math.round((r.rps / base) * 100) / 100 : null }));
}

function formatCores(rows) {
  const head = 'configuration           rps  p50 ms  p99 ms  allowed  denied   shed  non-OK  cpu srv  cpu other  × 1 core';
  const fmt = (v, n) => String(v ?? '–').padStart(n);
  const lines = rows.map((r) => [r.label.padEnd(21), fmt(r.rps, 6), fmt(r.p50Ms, 7), fmt(r.p99Ms, 7), fmt(r.allowed, 8), fmt(r.denied, 7), fmt(r.shed, 6), fmt(r.nonOk, 7), fmt(r.serverCpuCores, 8), fmt(r.otherCpuCores, 10), fmt(r.vsOneCore, 9)].join(' '));
  return [head, '-'.repeat(head.length), ...lines].join('\n');
}

module.exports = { CONFIGS, runCores, formatCores };
