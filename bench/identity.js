#!/usr/bin/env node
'use strict';
/**
 * `node bench/identity.js [--quick] [--rounds N] [--settle S]`: Check throughput when callgate verifies bearer tokens
 * itself, beside the same calls with identity from Envoy's jwt_authn metadata.
 *   envoy metadata   — the main bench's pool (jwt_authn payload in metadata_context)
 *   token, cache hit — the same calls with `authorization: Bearer <ES256 JWT>` (one token per request,
 *                      4,096 tokens); after the warm-up every token is in the verified-token cache
 *   token, cache miss— same pool, callgate started with --identity-token-cache-size 1: every call pays
 *                      an ES256 signature check (the JWKS itself stays cached, as in production)
 * Each server first settles under S seconds (default 10; --quick: 0) of unrecorded load on its own pool.
 * The issuer (discovery + JWKS) is served by this process on 127.0.0.1. Prints a table and writes
 * bench/results/identity.json. Needs `npm run build`.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { SignJWT, exportJWK, generateKeyPair } = require('jose');
const { encodeRequestPool } = require('./lib/check-requests');
const { generateBundle } = require('./gen-bundle');
const { pinPrefix, stopServer } = require('./lib/servers');
const { launchTarget, runLoadClient } = require('./lib/targets');
const { pickBestRound } = require('./lib/report');

const AUDIENCE = 'callgate';
const SCENARIO = { name: 'closed 1 conn x 16', mode: 'closed', connections: 1, inflight: 16 };

async function startIssuer() {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench-1', alg: 'ES256', use: 'sig' }] });
  let issuer = '';
  const server = http.createServer((req, res) => {
    const body = req.url === '/.well-known/openid-configuration'
      ? JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks`, token_endpoint: `${issuer}/token`, response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['ES256'] })
      : req.url === '/jwks' ? jwks : null;
    if (body === null) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${server.address().port}`;
  return { issuer, privateKey, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function main() {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const roundsAt = argv.indexOf('--rounds');
  const rounds = quick ? 1 : Math.max(1, Number(argv[roundsAt + 1]) || 2);
  const settleAt = argv.indexOf('--settle');
  const settleMs = quick ? 0 : 1000 * (settleAt >= 0 ? Math.max(0, Number(argv[settleAt + 1]) || 0) : 10);
  const window = quick ? { warmupMs: 1000, durationMs: 2000 } : { warmupMs: 2000, durationMs: 5000 };
  const nproc = os.cpus().length;
  const serverPin = pinPrefix(1, nproc);
  const clientPin = pinPrefix(0, nproc);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-bench-identity-'));
  const bundleDir = path.join(workDir, 'bundle');
  generateBundle(bundleDir);
  const idp = await startIssuer();

  const metadataPool = encodeRequestPool();
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const tokens = await Promise.all(metadataPool.calls.map((call, i) =>
    new SignJWT({ sub: call.user, groups: [call.team], jti: `t-${i}` })
      .setProtectedHeader({ alg: 'ES256', kid: 'bench-1', typ: 'at+jwt' })
      .setIssuer(idp.issuer).setAudience(AUDIENCE).setIssuedAt().setExpirationTime(exp).sign(idp.privateKey)));
  const tokenPool = encodeRequestPool({ bearerFor: (_call, i) => tokens[i] });
  const files = { metadata: path.join(workDir, 'metadata.bin'), token: path.join(workDir, 'token.bin') };
  fs.writeFileSync(files.metadata, Buffer.concat(metadataPool.frames));
  fs.writeFileSync(files.token, Buffer.concat(tokenPool.frames));

  const issuers = JSON.stringify([{ issuer: idp.issuer, audiences: [AUDIENCE], algorithms: ['ES256'] }]);
  const plan = [
    { label: 'envoy metadata', pool: files.metadata, args: [] },
    { label: 'token, cache hit', pool: files.token, args: ['--identity-issuers', issuers] },
    { label: 'token, cache miss', pool: files.token, args: ['--identity-issuers', issuers, '--identity-token-cache-size', '1'] },
  ];
  const targets = [];
  const rows = [];
  try {
    for (const [i, p] of plan.entries()) targets.push({ ...p, target: await launchTarget('callgate', `identity-${i}`, workDir, bundleDir, serverPin, 60_000, p.args) });
    for (const t of settleMs > 0 ? targets : []) {
      await runLoadClient({ ...SCENARIO, warmupMs: 0, durationMs: settleMs, target: t.target.grpc, poolFile: t.pool, maxCount: 10_000_000, requestTimeoutMs: 10_000, serverPid: t.target.server.pid }, workDir, clientPin);
    }
    const results = new Map(targets.map((t) => [t.label, []]));
    for (let round = 0; round < rounds; round += 1) {
      for (const t of targets) {
        const config = { ...SCENARIO, ...window, target: t.target.grpc, poolFile: t.pool, maxCount: 500_000, requestTimeoutMs: 10_000, serverPid: t.target.server.pid };
        const result = await runLoadClient(config, workDir, clientPin);
        results.get(t.label).push(result);
        process.stderr.write(`  ${t.label} · round ${round + 1}: ${result.rps} rps, p99 ${result.latencyMs.p99} ms\n`);
      }
    }
    const base = pickBestRound(results.get('envoy metadata'));
    process.stdout.write(`\n${SCENARIO.name}, ${rounds} round(s), best shown\n| identity | rps | x metadata | p50 ms | p99 ms | allowed | denied | server CPU per decision (best round) | cpu other |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n`);
    for (const t of targets) {
      const r = pickBestRound(results.get(t.label));
      rows.push({ label: t.label, result: r, rounds: results.get(t.label) });
      const cpuUs = Math.min(...results.get(t.label).map((x) => (x.serverCpuCores / Math.max(1, x.rps)) * 1e6));
      process.stdout.write(`| ${t.label} | ${r.rps} | ${(r.rps / base.rps).toFixed(2)} | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${r.allowed} | ${r.denied} | ${Math.round(cpuUs)} µs | ${r.otherCpuCores} |\n`);
    }
    const resultsDir = path.join(__dirname, 'results');
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.writeFileSync(path.join(resultsDir, 'identity.json'), `${JSON.stringify({ date: new Date().toISOString(), window, rounds, rows }, null, 2)}\n`);
  } finally {
    await Promise.all(targets.map((t) => stopServer(t.target.server)));
    await idp.close();
  }
  fs.rmSync(workDir, { recursive: true, force: true });
}

main().catch((error) => {
  process.stderr.write(`bench identity: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
