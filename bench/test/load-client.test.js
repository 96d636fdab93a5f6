'use strict';
// The request pool, gRPC framing, answer classification, and a short closed and open run against the
// do-nothing server started as a child process (as run.js does).
const path = require('node:path');
const protoLoader = require('@grpc/proto-loader');
const { encodeRequestPool } = require('../lib/check-requests');
const { AUTH_PROTO, resolveIncludeDirs, loadAuthTypes } = require('../lib/envoy-protos');
const { frameMessage, splitFrames } = require('../lib/grpc-frame');
const { classifyAnswer, runLoad } = require('../load-client');
const { findFreePort, startServer, waitReady, stopServer } = require('../lib/servers');

/** Decodes a request the way callgate's grpc-js server does (proto-loader, same options). */
function loadServerSideDecoder() {
  const def = protoLoader.loadSync(AUTH_PROTO, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: resolveIncludeDirs() });
  return def['envoy.service.auth.v3.Authorization'].Check.requestDeserialize;
}

describe('grpc-frame', () => {
  it('round-trips messages and rejects a truncated frame', () => {
    const frames = [frameMessage(Buffer.from('abc')), frameMessage(Buffer.alloc(0)), frameMessage(Buffer.from('xyz!'))];
    expect(splitFrames(Buffer.concat(frames)).map((m) => m.toString())).toEqual(['abc', '', 'xyz!']);
    expect(() => splitFrames(Buffer.concat(frames).subarray(0, 12))).toThrow(/truncated/);
  });
});

describe('request pool', () => {
  const { frames, calls } = encodeRequestPool({ count: 1200 });
  const decode = loadServerSideDecoder();

  it('holds distinct calls varying principal, function and arguments', () => {
    expect(new Set(frames.map((f) => f.toString('base64'))).size).toBe(1200);
    expect(new Set(calls.map((c) => `${c.user}|${c.fn}|${c.amount}|${c.region}`)).size).toBeGreaterThan(1000);
    expect(new Set(calls.map((c) => c.user)).size).toBeGreaterThan(300);
    expect(new Set(calls.map((c) => c.fn)).size).toBe(100);
  });

  it('encodes CheckRequests shaped as Envoy sends an MCP tools/call', () => {
    const request = decode(splitFrames(frames[3])[0]);
    const call = calls[3];
    const { http } = request.attributes.request;
    expect(JSON.parse(http.raw_body.toString('utf8'))).toEqual({
      jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: call.fn, arguments: { amount: call.amount, region: call.region } },
    });
    expect(http.headers).toMatchObject({ ':method': 'POST', ':path': '/mcp', 'content-type': 'application/json', 'mcp-protocol-version': '2025-06-18' });
    expect(http.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(request.attributes.context_extensions).toEqual({ protocol: 'mcp', server: 'tools' });
    const payload = request.attributes.metadata_context.filter_metadata['envoy.filters.http.jwt_authn'].fields.jwt_payload.structValue.fields;
    expect(payload.sub.stringValue).toBe(call.user);
    expect(payload.iss.stringValue).toBe('https://idp.example.com');
    expect(payload.groups.listValue.values.map((v) => v.stringValue)).toEqual([call.team]);
  });
});

describe('classifyAnswer', () => {
  const { CheckResponse, Status } = loadAuthTypes();
  const answer = (code) => [frameMessage(CheckResponse.encode(CheckResponse.fromObject({ status: { code } })).finish())];

  it('tells allowed, denied and gRPC failures apart', () => {
    expect(classifyAnswer(0, answer(0), Status)).toBe('allowed');
    expect(classifyAnswer(0, answer(7), Status)).toBe('denied');
    expect(classifyAnswer(14, [], Status)).toBe('grpc-14');
    expect(classifyAnswer(null, [], Status)).toBe('transport-error');
  });
});

describe('runLoad against the do-nothing server', () => {
  let server;
  let grpcAddress;
  const { frames } = encodeRequestPool({ count: 1000 });
  beforeAll(async () => {
    grpcAddress = `127.0.0.1:${await findFreePort()}`;
    const httpAddress = `127.0.0.1:${await findFreePort()}`;
    const logFile = path.join(require('node:os').tmpdir(), `bench-noop-test-${process.pid}.log`);
    server = startServer([process.execPath, path.join(__dirname, '..', 'noop-server.js'), '--listen-grpc', grpcAddress, '--listen-http', httpAddress], logFile);
    await waitReady(server, httpAddress, 20_000);
  });
  afterAll(() => stopServer(server));

  it('closed loop: stops by itself at the count bound and counts every answer as allowed', async () => {
    const result = await runLoad(frames, { target: grpcAddress, connections: 2, inflight: 8, warmupMs: 200, durationMs: 10_000, maxCount: 500, serverPid: server.pid });
    expect(result.completed).toBeGreaterThanOrEqual(500);
    expect(result.completed).toBeLessThan(500 + 8);
    expect(result.allowed).toBe(result.completed);
    expect(result.nonOk).toBe(0);
    expect(result.measuredSeconds).toBeLessThan(10);
    expect(result.latencyMs.p50).toBeGreaterThan(0);
    expect(result.latencyMs.p99).toBeGreaterThanOrEqual(result.latencyMs.p50);
    expect(result.serverCpuCores).not.toBeNull();
  });

  it('open loop: holds the requested rate over the time bound', async () => {
    const result = await runLoad(frames, { target: grpcAddress, mode: 'open', rate: 200, connections: 2, warmupMs: 200, durationMs: 1000, serverPid: server.pid });
    expect(result.completed).toBeGreaterThanOrEqual(190);
    expect(result.completed).toBeLessThanOrEqual(202);
    expect(result.allowed).toBe(result.completed);
  });

  it('rejects when nothing listens on the target', async () => {
    await expect(runLoad(frames, { target: `127.0.0.1:${await findFreePort()}`, warmupMs: 10, durationMs: 100 })).rejects.toThrow();
  });
});
