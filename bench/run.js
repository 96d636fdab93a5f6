#!/usr/bin/env node
'use strict';
/**
 * `npm run bench`: callgate vs a do-nothing Check server (the floor), same load client, same pinning.
 * Flags: USAGE below (`node bench/run.js --help`).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { encodeRequestPool, DEFAULT_POOL } = require('./lib/check-requests');
const { generateBundle } = require('./gen-bundle');
const { pinPrefix, stopServer } = require('./lib/servers');
const { launchTarget, runLoadClient } = require('./lib/targets');
const { runScaling, formatScaling, SIZES, FULL_SIZES } = require('./scaling');
const { runCores, formatCores } = require('./cores');
const { pickBestRound, computeRatios, formatTable } = require('./lib/report');
const { checkIssueTargets, formatIssueTargets } = require('./lib/issue-targets');

const ROOT = path.join(__dirname, '..');

const USAGE = `usage: node bench/run.js [flags]   (npm run bench -- [flags])
callgate vs a do-nothing Check server (the floor), same load client, same pinning.
  --quick            short windows, one round, scaling up to 10,000 (a smoke run, numbers not for publishing)
  --rounds N         rounds per scenario and target, interleaved; the least disturbed round is reported: the
                     highest throughput (closed loop), the lowest p99 at the held rate (open loop), the least
                     server CPU per decision (scaling, N windows per size) (default 2)
  --settle S         seconds of unrecorded closed load on each server before its first round (default 20;
                     a fresh Node server runs 1.5-2x slower for its first 15-20 s of load)
  --no-callgate      floor only
  --floor-as-target  a second do-nothing server stands in for callgate (checks the harness: ratios ≈ 1)
  --no-100k          scaling stops at 10,000 policies (100,000 takes minutes to validate cold on a small VM)
  --full             accepted for compatibility: 100,000 policies are in the default run
  --no-cores         skip the 1-core / 2-core worker-pool runs
  --no-scaling       skip scaling by policy count
  --no-masking       skip masking throughput
  --no-identity      skip the bearer-token runs (bench/identity.js: callgate verifying tokens, cache hit / miss)
  -h, --help         print this and exit
Prints every scenario with callgate ÷ floor ratios, scaling, more cores, identity from tokens, masking
throughput and issue 7's targets (met / missed), and writes bench/results/latest.json.
Needs \`npm run build\` for callgate (bin/callgate.js → dist/cli/main.js).
`;
const SERVER_CPU = 1;
const CLIENT_CPU = 0;

const SCENARIOS = Object.freeze([
  { name: 'closed 1 conn x 16', mode: 'closed', connections: 1, inflight: 16 },
  { name: 'closed 1 conn x 64', mode: 'closed', connections: 1, inflight: 64 },
  { name: 'closed 4 conn x 64', mode: 'closed', connections: 4, inflight: 64 },
  { name: 'open 1000 rps', mode: 'open', connections: 4, rate: 1000 },
]);

function parseArgs(argv) {
  const args = { quick: false, rounds: 2, settleSeconds: 20, callgate: true, floorAsTarget: false, scaling: true, full: true, cores: true, masking: true, identity: true };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') args.help = true;
    else if (flag === '--quick') args.quick = true;
    else if (flag === '--rounds') args.rounds = Math.max(1, Number(argv[(i += 1)]) || 1);
    else if (flag === '--no-callgate') args.callgate = false;
    else if (flag === '--floor-as-target') args.floorAsTarget = true;
    else if (flag === '--no-scaling') args.scaling = false;
    else if (flag === '--full') args.full = true;
    else if (flag === '--no-100k') args.full = false;
    else if (flag === '--settle') args.settleSeconds = Math.max(0, Number(argv[(i += 1)]) || 0);
    else if (flag === '--no-masking') args.masking = false;
    else if (flag === '--no-identity') args.identity = false;
    else if (flag === '--no-cores') args.cores = false;
    else throw new Error(`unknown flag ${flag} (node bench/run.js --help lists them)`);
  }
  if (args.quick) {
    args.rounds = 1;
    args.full = false;
    args.settleSeconds = Math.min(args.settleSeconds, 3);
  }
  return args;
}

function describeMachine() {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const nproc = spawnSync('nproc', [], { encoding: 'utf8' }).stdout?.trim();
  return {
    date: new Date().toISOString(),
    nproc: Number(nproc) || os.cpus().length,
    cpuModel: model,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/** Whether the callgate CLI is built and answers `serve --help`; a reason string when it is not. */
function checkCallgateCli() {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) return 'dist/cli/main.js missing (run `npm run build`)';
  const help = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'callgate.js'), 'serve', '--help'], { encoding: 'utf8', timeout: 20_000 });
  if (help.status !== 0) return `\`callgate serve --help\` failed (exit ${help.status}): ${(help.stderr ?? '').trim().slice(0, 300)}`;
  return null;
}

function windowsFor(args) {
  return args.quick
    ? { warmupMs: 1000, durationMs: 2000 }
    : { warmupMs: 2000, durationMs: 5000 };
}

/**
 * Unrecorded closed 4 x 64 load on each target before its first round: V8 tiers up and the heap sizes
 * itself over the first seconds of load, and a real sidecar is measured warm.
 */
async function settleTargets(targets, args, poolFile, workDir, clientPin) {
  if (args.settleSeconds <= 0) return;
  for (const target of targets) {
    const config = {
      name: 'settle', mode: 'closed', connections: 4, inflight: 64, warmupMs: 0, durationMs: args.settleSeconds * 1000,
      target: target.grpc, poolFile, maxCount: 10_000_000, requestTimeoutMs: 10_000, serverPid: target.server.pid,
    };
    const result = await runLoadClient(config, workDir, clientPin);
    process.stderr.write(`  settle · ${target.label}: ${args.settleSeconds} s of closed 4 x 64 load (${result.rps} rps), not recorded\n`);
  }
}

/** Another bench script (prefix: e.g. a taskset pin); its printed lines, or why it did not run. */
function runSideBench(script, scriptArgs, prefix = []) {
  const command = [...prefix, process.execPath, path.join(__dirname, script), ...scriptArgs];
  const run = spawnSync(command[0], command.slice(1), { encoding: 'utf8', timeout: 900_000 });
  if (run.status !== 0) return { ok: false, text: `${script} failed (exit ${run.status}): ${(run.stderr ?? '').trim().slice(0, 300)}` };
  return { ok: true, text: run.stdout.trim() };
}

/** Every scenario, rounds interleaved across targets so slow drift hits both alike. */
async function measureAll(targets, args, poolFile, workDir, clientPin) {
  const rows = [];
  for (const scenario of SCENARIOS) {
    const rounds = new Map(targets.map((t) => [t.label, []]));
    for (let round = 0; round < args.rounds; round += 1) {
      for (const target of targets) {
        const config = {
          ...scenario, ...windowsFor(args), target: target.grpc, poolFile, maxCount: 500_000,
          requestTimeoutMs: 10_000, serverPid: target.server.pid,
        };
        const result = await runLoadClient(config, workDir, clientPin);
        rounds.get(target.label).push(result);
        process.stderr.write(`  ${scenario.name} · ${target.label} · round ${round + 1}: ${result.rps} rps, p99 ${result.latencyMs.p99} ms\n`);
      }
    }
    const floor = pickBestRound(rounds.get('floor'));
    for (const target of targets) {
      const result = pickBestRound(rounds.get(target.label));
      const ratios = target.label === 'floor' ? null : computeRatios(result, floor);
      rows.push({ scenario: scenario.name, target: target.label, result, ratios, rounds: rounds.get(target.label) });
    }
  }
  return rows;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const machine = describeMachine();
  const serverPin = pinPrefix(SERVER_CPU, machine.nproc);
  const clientPin = pinPrefix(CLIENT_CPU, machine.nproc);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-bench-'));
  const bundleDir = path.join(workDir, 'bundle');
  const bundle = generateBundle(bundleDir);
  const { frames } = encodeRequestPool();
  const poolFile = path.join(workDir, 'pool.bin');
  fs.writeFileSync(poolFile, Buffer.concat(frames));

  let callgateStatus = args.callgate ? checkCallgateCli() : 'skipped (--no-callgate)';
  const plan = [['floor', 'noop']];
  if (args.floorAsTarget) plan.push(['floor-2', 'noop']);
  if (callgateStatus === null) plan.push(['callgate', 'callgate']);
  process.stderr.write(`bench: ${machine.cpuModel}, ${machine.nproc} CPUs, Node ${machine.node}; work dir ${workDir}\n`);
  process.stderr.write(`bench: bundle ${bundle.policies} policies / ${bundle.functions} functions; pool ${frames.length} requests\n`);
  if (callgateStatus !== null) process.stderr.write(`bench: callgate not measured: ${callgateStatus}\n`);

  const targets = [];
  try {
    for (const [label, kind] of plan) targets.push(await launchTarget(kind, label, workDir, bundleDir, serverPin));
    await settleTargets(targets, args, poolFile, workDir, clientPin);
    const rows = await measureAll(targets, args, poolFile, workDir, clientPin);
    const cores = args.cores && callgateStatus === null
      ? await runCores({ workDir, bundleDir, poolFile, clientPin, window: windowsFor(args), rounds: args.rounds, nproc: machine.nproc })
      : [];
    const scaling = args.scaling && callgateStatus === null
      ? await runScaling({
        workDir, serverPin, clientPin, window: windowsFor(args), sizes: args.full ? FULL_SIZES : SIZES,
        // the largest bundle again with every slice kept preparsed (engine.max_prepared_policies 0): the
        // default cap trades the cost target for memory when calls spread evenly over 10,000 functions
        uncappedSizes: args.full ? [FULL_SIZES[FULL_SIZES.length - 1]] : [],
        settleMs: Math.min(args.settleSeconds, 10) * 1000,
        rounds: args.rounds,
      })
      : [];
    // the full Check with callgate verifying the bearer token itself (cache hit, and miss), beside the
    // same calls with identity from Envoy's jwt_authn metadata (the scenarios above)
    const identity = args.identity && callgateStatus === null ? runSideBench('identity.js', ['--rounds', String(args.rounds), ...(args.quick ? ['--quick'] : [])]) : null;
    const masking = args.masking && callgateStatus === null ? runSideBench('masking.js', ['--seconds', args.quick ? '1' : '3'], serverPin) : null;
    const issueTargets = callgateStatus === null ? checkIssueTargets(rows, scaling) : [];
    const output = {
      machine, pinning: { server: serverPin.join(' ') || 'none', client: clientPin.join(' ') || 'none' },
      settings: { ...windowsFor(args), rounds: args.rounds, settleSeconds: args.settleSeconds, quick: args.quick, scenarios: SCENARIOS },
      bundle: { functions: bundle.functions, policies: bundle.policies },
      pool: { requests: frames.length, ...DEFAULT_POOL },
      callgate: callgateStatus === null ? 'measured' : `not measured: ${callgateStatus}`,
      rows,
      cores,
      scaling,
      identity,
      masking,
      issueTargets,
    };
    process.stdout.write(`\n${formatTable(rows)}\n`);
    process.stdout.write('x = target ÷ floor (rps below 1 is slower; latency above 1 is slower). cpu = cores used in the window.\n');
    if (callgateStatus !== null) process.stdout.write(`callgate: not measured: ${callgateStatus}\n`);
    if (cores.length > 0) process.stdout.write(`\nmore cores (closed 4 conn x 64; callgate pinned to the cores shown, engine.workers as shown):\n${formatCores(cores)}\n`);
    if (scaling.length > 0) {
      process.stdout.write(`\nscaling by policy count (closed 1 conn x 16, calls over every function; ready cold = validating, cached = engine.cache_dir hit):\n${formatScaling(scaling)}\n`);
      if (!args.full) process.stdout.write('100,000 policies: left out (--quick / --no-100k)\n');
    }
    if (identity !== null) process.stdout.write(`\nidentity: tokens verified by callgate (bench/identity.js):\n${identity.text}\n`);
    if (masking !== null) process.stdout.write(`\nmasking throughput (bench/masking.js, in process, one core):\n${masking.text}\n`);
    if (issueTargets.length > 0) process.stdout.write(`\nissue 7 targets (each miss and its measured cause: bench/README.md, "Issue 7 targets"):\n${formatIssueTargets(issueTargets)}\n`);
    const resultsDir = path.join(__dirname, 'results');
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.writeFileSync(path.join(resultsDir, 'latest.json'), `${JSON.stringify(output, null, 2)}\n`);
    process.stdout.write(`results: ${path.relative(process.cwd(), path.join(resultsDir, 'latest.json'))}\n`);
  } finally {
    await Promise.all(targets.map((t) => stopServer(t.server)));
  }
  fs.rmSync(workDir, { recursive: true, force: true });
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
