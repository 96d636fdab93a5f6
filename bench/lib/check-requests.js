'use strict';
/**
 * The bench's request pool: distinct envoy.service.auth.v3.CheckRequest messages for MCP tools/call,
 * shaped as Envoy's ext_authz filter sends them (with_request_body + pack_as_bytes → raw_body, headers
 * lowercase with pseudo-headers, context_extensions from the route, jwt_authn payload in metadata_context).
 * Deterministic for a given seed, so two runs send the same calls.
 */
const { randomUUID } = require('node:crypto');
const { loadAuthTypes } = require('./envoy-protos');
const { frameMessage } = require('./grpc-frame');
const { toStruct } = require('./struct');

const DEFAULT_POOL = Object.freeze({ count: 4096, functions: 100, users: 500, teams: 20, seed: 20250618, extraGroups: 0 });
const ISSUER = 'https://idp.example.com';

/** mulberry32: a tiny seeded PRNG so the pool is reproducible. */
function createRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mostly small amounts, a tail of large ones (so both permits and forbids decide). */
function pickAmount(random) {
  const r = random();
  if (r < 0.6) return Math.floor(random() * 100);
  if (r < 0.85) return 100 + Math.floor(random() * 900);
  if (r < 0.95) return 1000 + Math.floor(random() * 4000);
  return 5000 + Math.floor(random() * 5000);
}

function functionName(index) {
  return `fn_${String(index).padStart(3, '0')}`;
}

/** The call behind request i: who calls which function with which arguments. */
function pickCall(i, random, pool) {
  const user = Math.floor(random() * pool.users);
  return {
    id: i + 1,
    user: `user-${user}`,
    team: `team-${user % pool.teams}`,
    fn: functionName(Math.floor(random() * pool.functions)),
    amount: pickAmount(random),
    region: random() < 0.875 ? 'eu' : 'us',
  };
}

function buildMcpBody(call) {
  return JSON.stringify({
    jsonrpc: '2.0',
    id: call.id,
    method: 'tools/call',
    params: { name: call.fn, arguments: { amount: call.amount, region: call.region } },
  });
}

/** Groups an IdP adds that no policy or entity names (`extraGroups` of the pool): idp-group-0, … */
function idpGroups(count) {
  return Array.from({ length: count }, (_, k) => `idp-group-${k}`);
}

/** One CheckRequest in protobufjs object form. */
function buildCheckRequest(call, random, nowMs, bearer, extraGroups = 0) {
  const body = Buffer.from(buildMcpBody(call), 'utf8');
  const seconds = Math.floor(nowMs / 1000);
  const headers = {
    ':authority': 'tools.example.com',
    ':path': '/mcp',
    ':method': 'POST',
    ':scheme': 'https',
    'content-type': 'application/json',
    'content-length': String(body.length),
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-06-18',
    'user-agent': 'bench-agent/1.0',
    'x-forwarded-proto': 'https',
    'x-request-id': randomUUID(),
    'x-envoy-auth-partial-body': 'false',
  };
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
  return {
    attributes: {
      source: { address: { socket_address: { address: `10.1.${Math.floor(random() * 250)}.${1 + Math.floor(random() * 250)}`, port_value: 30000 + Math.floor(random() * 30000) } } },
      destination: { address: { socket_address: { address: '10.0.0.10', port_value: 8443 } } },
      request: {
        time: { seconds, nanos: (nowMs % 1000) * 1e6 },
        http: {
          id: String(BigInt(Math.floor(random() * 2 ** 52)) * 4096n + BigInt(call.id % 4096)),
          method: 'POST',
          headers,
          path: '/mcp',
          host: 'tools.example.com',
          scheme: 'https',
          protocol: 'HTTP/1.1',
          size: body.length,
          raw_body: body,
        },
      },
      context_extensions: { protocol: 'mcp', server: 'tools' },
      metadata_context: bearer !== undefined ? undefined : {
        filter_metadata: {
          'envoy.filters.http.jwt_authn': toStruct({
            jwt_payload: { iss: ISSUER, sub: call.user, aud: 'callgate', groups: [call.team, ...idpGroups(extraGroups)] },
          }),
        },
      },
    },
  };
}

/**
 * Encodes `count` distinct CheckRequests, each already framed for gRPC. With `bearerFor(call, i)` each
 * request carries `authorization: Bearer <token>` instead of the jwt_authn metadata (callgate verifies it).
 * Returns { frames: Buffer[], calls: object[] } (calls describe each request, for tests and reports).
 */
function encodeRequestPool(options = {}) {
  const pool = { ...DEFAULT_POOL, ...options };
  const { CheckRequest } = loadAuthTypes();
  const random = createRandom(pool.seed);
  const nowMs = Date.now();
  const frames = [];
  const calls = [];
  for (let i = 0; i < pool.count; i += 1) {
    const call = pickCall(i, random, pool);
    const bearer = options.bearerFor === undefined ? undefined : options.bearerFor(call, i);
    const message = CheckRequest.fromObject(buildCheckRequest(call, random, nowMs, bearer, pool.extraGroups));
    frames.push(frameMessage(CheckRequest.encode(message).finish()));
    calls.push(call);
  }
  return { frames, calls };
}

module.exports = { DEFAULT_POOL, ISSUER, buildMcpBody, buildCheckRequest, encodeRequestPool, functionName, createRandom };
