#!/usr/bin/env node
'use strict';
/**
 * The first Checks after ready: starts `callgate serve` (cached start of a generated bundle), and as soon as
 * `/readyz` answers 200 sends Checks one at a time on one new HTTP/2 connection, as a sidecar's first
 * traffic would arrive; prints the time to ready and each Check's round trip. Envoy's ext_authz timeout in
 * envoy/ is 250 ms: a first Check slower than that is a deny at the proxy. Builds are alternated run by run.
 *   node bench/first-check.js [--policies 10000] [--runs 3] [--checks 8] [--builds DIR,DIR] [--work DIR]
 *                             [--pin CPU] [--delay MS]
 * --delay waits MS after ready before the first Check (to tell the warm-up's share from the cold paths').
 */
const fs = require('node:fs');
const http2 = require('node:http2');
const os = require('node:os');
const path = require('node:path');
const { generateBundle } = require('./gen-bundle');
const { encodeRequestPool } = require('./lib/check-requests');
const { findFreePort, pinPrefix, startServer, stopServer, waitReady } = require('./lib/servers');

const ROOT = path.join(__dirname, '..');
const CHECK_PATH = '/envoy.service.auth.v3.Authorization/Check';

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

/** One Check's round trip in ms; rejects unless the answer is a gRPC OK with a message. */
function sendCheck(client, frame) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const stream = client.request({ ':method': 'POST', ':path': CHECK_PATH, 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '5S' });
    let bytes = 0;
    stream.on('data', (chunk) => { bytes += chunk.length; });
    stream.on('trailers', (trailers) => {
      if (trailers['grpc-status'] !== '0' || bytes === 0) reject(new Error(`Check failed: grpc-status ${trailers['grpc-status']}`));
    });
    stream.on('end', () => resolve(Number(process.hrtime.bigint() - started) / 1e6));
    stream.on('error', reject);
    stream.end(frame);
  });
}

async function runOnce(build, bundleDir, cacheDir, frames, options, logFile) {
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
    const client = http2.connect(`http://${grpc}`);
    try {
      const checks = [];
      for (const frame of frames) checks.push(await sendCheck(client, frame));
      return { readyMs, checks };
    } finally {
      client.close();
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
  for (const build of options.builds) await runOnce(build, bundleDir, cacheDir, frames.slice(0, 1), options, path.join(options.work, 'fill.log'));
  for (let run = 0; run < options.runs; run += 1) {
    for (const build of options.builds) {
      const r = await runOnce(build, bundleDir, cacheDir, frames, options, path.join(options.work, `run-${run}.log`));
      process.stdout.write(`${build}: ready ${r.readyMs} ms, first Checks ${r.checks.map((ms) => ms.toFixed(1)).join(' ')} ms\n`);
    }
  }
  process.stdout.write(`${options.policies} policies, cached, server ${options.pin === undefined ? 'not pinned' : `pinned to CPU ${options.pin}`}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 1;
});
