#!/usr/bin/env node
'use strict';
/**
 * Start to ready (issue 7, T12): how long `callgate serve` takes from process start to `GET /readyz` 200 with
 * a generated bundle, cached (the validation cache already holds this bundle) unless `--cold`. For A/B work
 * it takes several builds (directories holding bin/callgate.js and dist/) and alternates them run by run, so
 * drift on a shared machine hits every build alike. Per run it records the wall time to ready and the CPU
 * time the server had used when it became ready (/proc/<pid>/stat: user + system, every thread), and prints
 * median, min and max of each.
 *   node bench/start-ready.js [--policies 10000] [--runs 7] [--builds DIR,DIR] [--work DIR] [--cold]
 *                              [--extra "--engine-compile-cache true"] [--cpu-prof DIR] [--pin CPU]
 * --pin CPU runs the server under `taskset -c CPU` (as scaling.js and run.js do; every thread of the process on
 * one core, so the time to ready includes the compiler and GC threads' CPU).
 * Hold /tmp/bench.lock around it (flock /tmp/bench.lock node bench/start-ready.js ...).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { generateBundle } = require('./gen-bundle');
const { findFreePort, pinPrefix, startServer, stopServer, waitReady } = require('./lib/servers');
const { createCpuReader } = require('./lib/proc-cpu');

const ROOT = path.join(__dirname, '..');

function parseArgs(argv) {
  const options = { policies: 10_000, runs: 7, builds: [ROOT], work: undefined, cold: false, extra: [], cpuProf: undefined, pin: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const next = () => argv[++i] ?? '';
    if (arg === '--policies') options.policies = Number(next());
    else if (arg === '--runs') options.runs = Number(next());
    else if (arg === '--builds') options.builds = next().split(',').map((d) => path.resolve(d));
    else if (arg === '--work') options.work = path.resolve(next());
    else if (arg === '--cold') options.cold = true;
    else if (arg === '--extra') options.extra = next().split(' ').filter((s) => s !== '');
    else if (arg === '--cpu-prof') options.cpuProf = path.resolve(next());
    else if (arg === '--pin') options.pin = next();
    else throw new Error(`unknown argument ${arg}`);
  }
  return options;
}

async function startOnce(build, bundleDir, cacheDir, options, label) {
  const grpc = `127.0.0.1:${await findFreePort()}`;
  const http = `127.0.0.1:${await findFreePort()}`;
  const node = options.cpuProf === undefined ? [process.execPath] : [process.execPath, '--cpu-prof', '--cpu-prof-dir', path.join(options.cpuProf, path.basename(build))];
  const argv = [...node, path.join(build, 'bin', 'callgate.js'), 'serve', '--policies', bundleDir, '--listen-grpc', grpc, '--listen-http', http,
    '--log-level', 'warn', '--watch-policies', 'false', '--engine-cache-dir', cacheDir, ...options.extra];
  const started = process.hrtime.bigint();
  const pin = options.pin === undefined ? [] : pinPrefix(options.pin, os.cpus().length);
  const server = startServer([...pin, ...argv], path.join(options.work, `${label}.log`));
  const cpu = createCpuReader(server.pid);
  try {
    await waitReady(server, http, 600_000);
    const readyMs = Number(process.hrtime.bigint() - started) / 1e6;
    return { readyMs, cpuMs: (cpu() ?? NaN) * 1000, mainMs: mainThreadCpuMs(server.pid) };
  } finally {
    await stopServer(server);
  }
}

/** CPU time of the main thread alone (its task id is the pid): the start's critical path, without GC and wasm compiler threads. */
function mainThreadCpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / 100) * 1000;
  } catch {
    return NaN;
  }
}

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] + sorted[mid]) / 2);
  return { median: Math.round(median), min: Math.round(sorted[0]), max: Math.round(sorted[sorted.length - 1]) };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  options.work ??= fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-start-ready-'));
  const bundleDir = path.join(options.work, `bundle-${options.policies}`);
  if (!fs.existsSync(path.join(bundleDir, 'schema.cedarschema'))) generateBundle(bundleDir, { functions: Math.round(options.policies / 10) });
  const cacheDir = path.join(options.work, 'cache');
  if (!options.cold) {
    for (const build of options.builds) {
      const fill = await startOnce(build, bundleDir, cacheDir, { ...options, cpuProf: undefined }, 'fill');
      process.stderr.write(`filled the cache for ${build}: ${Math.round(fill.readyMs)} ms\n`);
    }
  }
  const results = new Map(options.builds.map((b) => [b, []]));
  for (let run = 0; run < options.runs; run += 1) {
    for (const build of options.builds) {
      const dir = options.cold ? fs.mkdtempSync(path.join(options.work, 'cold-')) : cacheDir;
      const r = await startOnce(build, bundleDir, dir, options, `run-${run}`);
      results.get(build).push(r);
      process.stderr.write(`run ${run} ${build}: ready ${Math.round(r.readyMs)} ms, cpu ${Math.round(r.cpuMs)} ms (main thread ${Math.round(r.mainMs)} ms)\n`);
    }
  }
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  process.stdout.write(`${options.policies} policies, ${options.cold ? 'cold' : 'cached'}, ${options.runs} runs per build, server ${options.pin === undefined ? 'not pinned' : `pinned to CPU ${options.pin}`}, load average ${load}\n`);
  for (const [build, runs] of results) {
    const ready = summary(runs.map((r) => r.readyMs));
    const cpu = summary(runs.map((r) => r.cpuMs));
    const main = summary(runs.map((r) => r.mainMs));
    process.stdout.write(`${build}: ready median ${ready.median} ms (${ready.min}-${ready.max}), server CPU at ready median ${cpu.median} ms (${cpu.min}-${cpu.max}), main thread ${main.median} ms (${main.min}-${main.max})\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 1;
});
