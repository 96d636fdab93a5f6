'use strict';
// bench/lib/servers.js: the ports and readiness every bench script starts its servers with.
const net = require('node:net');
const { findFreePort, startServer, waitReady } = require('../lib/servers');

const bindable = (port) => new Promise((resolve) => {
  const server = net.createServer();
  server.once('error', () => resolve(false));
  server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
});

describe('bench/lib/servers.js', () => {
  it('findFreePort never hands out the same port twice in a process, and each one is free', async () => {
    const ports = [];
    for (let i = 0; i < 200; i += 1) ports.push(await findFreePort());
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports.slice(-5)) expect(await bindable(port)).toBe(true);
  });

  it('waitReady says the server exited (with its log) instead of waiting out the timeout', async () => {
    const server = startServer([process.execPath, '-e', 'process.exit(7)'], require('node:path').join(require('node:os').tmpdir(), 'callgate-servers-test.log'));
    await expect(waitReady(server, `127.0.0.1:${await findFreePort()}`, 20_000)).rejects.toThrow(/server exited before ready \(\{"code":7,"signal":null\}\); see .*callgate-servers-test\.log/);
  });
});
