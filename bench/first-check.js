#!/usr/bin/env node
'use strict';
/**
 * The first Checks after ready: starts `callgate serve` (cached start of a generated bundle), and as soon as
 * `/readyz` answers 200 sends Checks one at a time on one new HTTP/2 connection, as a sidecar's first
 * traffic would arrive (the load client's connection and requests, with Envoy's 250 ms deadline); prints the
 * time to ready and each Check's round trip, with its outcome when it was not an answer (shed, timeout, …).
 * A first Check slower than 250 ms is a deny at the proxy. Builds are alternated run by run.
 *   node bench/first-check.js [--policies 10000] [--runs 3] [--checks 8] [--builds DIR,DIR] [--work DIR]
 *                             [--pin CPU] [--delay MS]
 * --delay waits MS after ready before the first Check (to tell the warm-up's share from the cold paths').
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { generateBundle } = require('./gen-bundle');
const { encodeRequestPool } = require('./lib/check-requests');
const { loadAuthTypes } = require('./lib/envoy-protos');
const { connect, sendCheck } = require('./load-client');
const { findFreePort, pinPrefix, startServer, stopServer, waitReady } = require('./lib/servers');

const ROOT = path.join(__dirname, '..');

function parseArgs(argv) {
  const options = { policies: 10_000, runs: 3, checks: 8, builds: [ROOT], work: undefined, pin: undefined, delay: 0 };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const next = () => argv[++i] ?? '';
    if (arg === '--policies') options.policies = Number(next());
    else if (arg === '--runs') options.runs = Number(next());
    else if (arg === '--checks') options.checks = Number(next());
    else if (arg === '--builds') options.builds = next().split(',').map((d) => path.resolve(d));
    else if (arg === '--work') options.work = path.resolve(next());
    else if (arg === '--pin') options.pin = next();
    else if (arg === '--delay') options.delay = Number(next());
    else throw new Error(`unknown argument ${arg}`);
  }
  return options;
}

/** One Check's round trip in ms and its outcome (load-client.js: allowed, denied, shed, timeout, …). */
function timeCheck(session, frame, Status) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    sendCheck(session, frame, Status, (outcome) => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, outcome }));
  });
}

/** "12.3" for an allowed or denied answer, "312.0 (shed)" for any other outcome. */
function formatCheck({ ms, outcome }) {
  return outcome === 'allowed' || outcome === 'denied' ? ms.toFixed(1) : `${ms.toFixed(1)} (${outcome})`;
}

async function runOnce(build, bundleDir, cacheDir, frames, Status, options, logFile) {
  const grpc = `127.0.0.1:${await findFreePort()}`;
  const http = `127.0.0.1:${await findFreePort()}`;
  const pin = options.pin === undefined ? [] : pinPrefix(options.pin, os.cpus().length);
  const argv = [process.execPath, path.join(build, 'bin', 'callgate.js'), 'serve', '--policies', bundleDir, '--listen-grpc', grpc,
    '--listen-http', http, '--log-level', 'warn', '--watch-policies', 'false', '--engine-cache-dir', cacheDir];
  const started = Date.now();
  const server = startServer([...pin, ...argv], logFile);
  try {
    await waitReady(server, http, 600_000);
    const readyMs = Date.now() - started;
    if (options.delay > 0) await new Promise((resolve) => setTimeout(resolve, options.delay));
    const session = await connect(grpc);
    try {
      const checks = [];
      for (const frame of frames) checks.push(await timeCheck(session, frame, Status));
      return { readyMs, checks };
    } finally {
      session.destroy();
    }
  } finally {
    await stopServer(server);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  options.work ??= fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-first-check-'));
  const functions = Math.round(options.policies / 10);
  const bundleDir = path.join(options.work, `bundle-${options.policies}`);
  if (!fs.existsSync(path.join(bundleDir, 'schema.cedarschema'))) generateBundle(bundleDir, { functions });
  const cacheDir = path.join(options.work, 'cache');
  const { frames } = encodeRequestPool({ functions, count: options.checks });
  const { Status } = loadAuthTypes();
  for (const build of options.builds) await runOnce(build, bundleDir, cacheDir, frames.slice(0, 1), Status, options, path.join(options.work, 'fill.log'));
  for (let run = 0; run < options.runs; run += 1) {
    for (const build of options.builds) {
      const r = await runOnce(build, bundleDir, cacheDir, frames, Status, options, path.join(options.work, `run-${run}.log`));
      process.stdout.write(`${build}: ready ${r.readyMs} ms, first Checks ${r.checks.map(formatCheck).join(' ')} ms\n`);
    }
  }
  process.stdout.write(`${options.policies} policies, cached, server ${options.pin === undefined ? 'not pinned' : `pinned to CPU ${options.pin}`}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 1;
});
