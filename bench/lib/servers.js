'use strict';
/** Starting, probing and stopping the servers under test as child processes (127.0.0.1 only). */
const fs = require('node:fs');
const net = require('node:net');
const { spawn, spawnSync } = require('node:child_process');

/** Ports findFreePort has handed out in this process: the kernel may offer a released port again at once. */
const handedOut = new Set();

/**
 * A free TCP port on 127.0.0.1 (bound then released; the child binds it right after), never one this process
 * was already given: two calls in a row (a server's gRPC and HTTP ports) could otherwise get the same port
 * back from the kernel, and the server then failed to start with EADDRINUSE.
 */
async function findFreePort() {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = await new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port: bound } = server.address();
        server.close(() => resolve(bound));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port on 127.0.0.1 that this process has not used already');
}

/** `taskset -c <cpu>` prefix when taskset exists and the machine has more than one CPU, else none. */
function pinPrefix(cpu, cpuCount) {
  if (cpuCount < 2) return [];
  const probe = spawnSync('taskset', ['--version'], { stdio: 'ignore' });
  return probe.status === 0 ? ['taskset', '-c', String(cpu)] : [];
}

/** Spawns `command` (argv array, maybe prefixed by taskset); stderr goes to `logFile`, stdout is discarded. */
function startServer(command, logFile) {
  const log = fs.openSync(logFile, 'w');
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'ignore', log] });
  fs.closeSync(log);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, pid: child.pid, exited, logFile };
}

/**
 * Polls GET http://<httpAddress>/readyz every 5 ms until 200; rejects on timeout or if the server exits
 * first. The poll is short because the time to ready is itself a figure (scaling.js, start-ready.js).
 */
async function waitReady(server, httpAddress, timeoutMs) {
  const deadline = performance.now() + timeoutMs; // monotonic: a VM's wall clock may be stepped
  let exitInfo = null;
  server.exited.then((info) => { exitInfo = info; });
  while (performance.now() < deadline) {
    if (exitInfo) throw new Error(`server exited before ready (${JSON.stringify(exitInfo)}); see ${server.logFile}`);
    try {
      const res = await fetch(`http://${httpAddress}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`server not ready within ${timeoutMs} ms; see ${server.logFile}`);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
async function stopServer(server, graceMs = 5000) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), graceMs);
  await server.exited;
  clearTimeout(timer);
}

module.exports = { findFreePort, pinPrefix, startServer, waitReady, stopServer };
