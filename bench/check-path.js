#!/usr/bin/env node
'use strict';
/**
 * `node bench/check-path.js [--dist DIR] [--rounds N] [--passes P] [--batch-max B] [--extra-groups G]`: the CPU one Check
 * costs in process, outside gRPC framing: the Authorization/Check service's own `requestDeserialize` →
 * `handleCheck` (the whole pipeline, audit to a file sink) → `responseSerialize`, over the bench's
 * 4,096-request pool on the bench bundle (the same calls as `bench/run.js`). Each round runs the pool `P`
 * times and reports the process CPU (`process.cpuUsage`) per decision; the median and spread of the rounds
 * are printed.
 * `--batch-max B` (default 64, as `engine.batch_max`): B Checks are started together and their Cedar calls
 * go through the evaluation batch, as B Checks arriving in one event-loop turn do in the server; 0 = each
 * Check decided inline, one after another (a build without src/policy/evaluation-batch.ts always is).
 * `--extra-groups G`: every caller's token also carries G groups no policy or entity names (an IdP's
 * groups claim), 0 by default.
 * `--dist` points at another build (A/B of two builds in the same minutes: a checkout built elsewhere).
 * Needs `npm run build`.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { generateBundle } = require('./gen-bundle');
const { encodeRequestPool } = require('./lib/check-requests');

function parseArgs(argv) {
  const args = { dist: path.join(__dirname, '..', 'dist'), rounds: 7, passes: 1, batchMax: 64, extraGroups: 0 };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    if (flag === '--dist') args.dist = path.resolve(argv[(i += 1)]);
    else if (flag === '--rounds') args.rounds = Number(argv[(i += 1)]);
    else if (flag === '--passes') args.passes = Number(argv[(i += 1)]);
    else if (flag === '--batch-max') args.batchMax = Number(argv[(i += 1)]);
    else if (flag === '--extra-groups') args.extraGroups = Number(argv[(i += 1)]);
    else throw new Error(`unknown flag ${flag}`);
  }
  if (!(Number.isInteger(args.batchMax) && args.batchMax >= 0)) throw new Error(`--batch-max must be an integer ≥ 0, got ${args.batchMax}`);
  return args;
}

/** The Check method definition the server registers (its request/response (de)serializers). */
function checkMethodOf(dist) {
  const own = path.join(dist, 'transport', 'grpc', 'check-codec.js');
  if (fs.existsSync(own)) return require(own).checkServiceDefinition().Check;
  return require(path.join(dist, 'envoy', 'protos.js')).loadAuthProto().envoy.service.auth.v3.Authorization.service.Check;
}

async function buildDeps(dist, bundleDir, auditFile, batchMax) {
  const { loadConfig } = require(path.join(dist, 'config', 'load-config.js'));
  const { parseOptionsOf } = require(path.join(dist, 'app.js'));
  const { loadBundle } = require(path.join(dist, 'policy', 'load-bundle.js'));
  const { createMetrics } = require(path.join(dist, 'metrics', 'metrics.js'));
  const { createLogger } = require(path.join(dist, 'log', 'logger.js'));
  const { createAuditSink } = require(path.join(dist, 'audit', 'audit-sink.js'));
  const { auditSinkSettingsOf, auditTrailSettingsOf } = require(path.join(dist, 'audit', 'audit-settings.js'));
  const config = loadConfig({ flags: { policies: bundleDir, 'audit.sink': 'file', 'audit.file': auditFile, 'log.level': 'warn' } });
  const loaded = await loadBundle(config.policies, {});
  const batchModule = path.join(dist, 'policy', 'evaluation-batch.js');
  const batched = batchMax > 0 && fs.existsSync(batchModule);
  if (loaded.kind !== 'loaded') throw new Error(`bundle: ${JSON.stringify(loaded.problems ?? loaded)}`);
  const bundle = loaded.bundle;
  const { randomUUID } = require('node:crypto');
  return {
    identity: config.identity,
    parseOptions: parseOptionsOf(config),
    currentBundle: () => bundle,
    now: () => new Date(),
    newDecisionId: () => randomUUID(),
    metrics: createMetrics(),
    log: createLogger('warn'),
    hrtime: () => process.hrtime.bigint(),
    audit: createAuditSink(auditSinkSettingsOf(config)),
    auditSettings: auditTrailSettingsOf(config),
    ...(batched ? { evaluationBatch: require(batchModule).createEvaluationBatch({ maxBatch: batchMax }) } : {}),
  };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-check-path-'));
  try {
    const bundleDir = path.join(work, 'bundle');
    generateBundle(bundleDir);
    const messages = encodeRequestPool({ extraGroups: args.extraGroups }).frames.map((f) => f.subarray(5));
    const deps = await buildDeps(args.dist, bundleDir, path.join(work, 'audit.jsonl'), args.batchMax);
    const inline = deps.evaluationBatch === undefined;
    const together = inline ? 1 : args.batchMax;
    const { handleCheck } = require(path.join(args.dist, 'authz', 'check.js'));
    const method = checkMethodOf(args.dist);
    let allowed = 0;
    let bytes = 0;
    const answer = (response) => {
      const out = method.responseSerialize(response);
      bytes += out.length;
      if (response.status?.code === 0) allowed += 1;
    };
    // `together` Checks started in one turn; inline, each is answered before the next starts.
    const pass = async () => {
      for (let i = 0; i < messages.length; i += together) {
        const pending = [];
        for (const buf of messages.slice(i, i + together)) {
          const response = handleCheck(method.requestDeserialize(buf), deps);
          if (response instanceof Promise) pending.push(response.then(answer));
          else answer(response);
        }
        if (inline && pending.length > 0) throw new Error('the bench pool must decide synchronously when inline');
        await Promise.all(pending);
      }
    };
    for (let i = 0; i < 3; i += 1) await pass(); // warm-up: every slice prepared, code optimized
    allowed = 0;
    bytes = 0;
    const perDecision = [];
    for (let r = 0; r < args.rounds; r += 1) {
      const before = process.cpuUsage();
      for (let p = 0; p < args.passes; p += 1) await pass();
      const used = process.cpuUsage(before);
      perDecision.push((used.user + used.system) / (messages.length * args.passes));
    }
    deps.audit.close();
    const decisions = messages.length * args.passes * args.rounds;
    const fmt = (x) => x.toFixed(1);
    process.stdout.write(
      `${args.dist} (${inline ? 'inline' : `batch of ${together}`}): CPU per decision median ${fmt(median(perDecision))} µs (rounds ${perDecision.map(fmt).join(' ')}); allowed ${allowed}/${decisions}; ${Math.round(bytes / decisions)} response bytes on average\n`,
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`check-path: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
