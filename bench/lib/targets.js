'use strict';
/** Launching a target server (callgate or the floor) and running the load client against it. */
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { findFreePort, startServer, waitReady, stopServer } = require('./servers');

const ROOT = path.join(__dirname, '..', '..');
const BENCH = path.join(__dirname, '..');

async function launchTarget(kind, label, workDir, bundleDir, pin, readyTimeoutMs = 60_000, extraArgs = []) {
  const grpcPort = await findFreePort();
  const httpPort = await findFreePort();
  const grpc = `127.0.0.1:${grpcPort}`;
  const http = `127.0.0.1:${httpPort}`;
  const argv = kind === 'callgate'
    ? [path.join(ROOT, 'bin', 'callgate.js'), 'serve', '--policies', bundleDir, '--listen-grpc', grpc, '--listen-http', http, '--log-level', 'warn', ...extraArgs]
    : [path.join(BENCH, 'noop-server.js'), '--listen-grpc', grpc, '--listen-http', http];
  const server = startServer([...pin, process.execPath, ...argv], path.join(workDir, `${label}.log`));
  try {
    await waitReady(server, http, readyTimeoutMs);
  } catch (error) {
    await stopServer(server);
    throw error;
  }
  return { label, kind, grpc, http, server };
}

/** Runs the load client as a pinned child process; resolves with its JSON result. */
function runLoadClient(config, workDir, pin) {
  const configFile = path.join(workDir, `load-${process.hrtime.bigint()}.json`);
  fs.writeFileSync(configFile, JSON.stringify(config));
  const command = [...pin, process.execPath, path.join(BENCH, 'load-client.js'), configFile];
  const limitMs = config.warmupMs + config.durationMs + config.requestTimeoutMs + 15_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`load client exited ${code}: ${stderr.trim()}`));
      else resolve(JSON.parse(stdout));
    });
  });
}


module.exports = { launchTarget, runLoadClient };
