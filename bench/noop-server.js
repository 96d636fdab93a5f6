#!/usr/bin/env node
'use strict';
/**
 * The floor: a grpc-js Authorization/Check server that answers every call with the same OK CheckResponse
 * (status code 0) without looking at the request. Same listen flags as `callgate serve`, and the same
 * readiness probe (GET /readyz → 200), so run.js starts, waits for and loads both the same way.
 *   node bench/noop-server.js --listen-grpc 127.0.0.1:9101 --listen-http 127.0.0.1:9102
 */
const http = require('node:http');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { AUTH_PROTO, resolveIncludeDirs } = require('./lib/envoy-protos');

const OK_RESPONSE = Object.freeze({ status: { code: 0 }, ok_response: {} });

function parseArgs(argv) {
  const options = { grpc: '127.0.0.1:0', http: '127.0.0.1:0' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`missing value for ${flag}`);
    if (flag === '--listen-grpc') options.grpc = value;
    else if (flag === '--listen-http') options.http = value;
    else throw new Error(`unknown flag ${flag}`);
  }
  return options;
}

function splitHostPort(address) {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

function loadAuthorizationService() {
  const definition = protoLoader.loadSync(AUTH_PROTO, {
    keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: resolveIncludeDirs(),
  });
  return grpc.loadPackageDefinition(definition).envoy.service.auth.v3.Authorization.service;
}

function startGrpc(address) {
  const server = new grpc.Server();
  server.addService(loadAuthorizationService(), {
    Check: (_call, callback) => callback(null, OK_RESPONSE),
  });
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) => {
      if (error) reject(error);
      else resolve({ server, port });
    });
  });
}

function startHttp(address, isReady) {
  const { host, port } = splitHostPort(address);
  const server = http.createServer((req, res) => {
    const ok = req.url === '/healthz' || (req.url === '/readyz' && isReady());
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'not ready\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const state = { ready: false };
  const httpServer = await startHttp(options.http, () => state.ready);
  const { server, port } = await startGrpc(options.grpc);
  state.ready = true;
  process.stderr.write(`noop-server: grpc on port ${port}, http on ${options.http}\n`);
  const stop = () => {
    state.ready = false;
    httpServer.close();
    server.tryShutdown(() => process.exit(0));
    setTimeout(() => server.forceShutdown(), 2000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`noop-server: ${error.stack ?? error}\n`);
    process.exit(1);
  });
}

module.exports = { OK_RESPONSE, parseArgs };
