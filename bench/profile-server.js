'use strict';
/**
 * Where a decision's server CPU goes under bench load: starts `callgate serve` (taskset -c 1 when it works)
 * with `node --cpu-prof` on the bench bundle, runs closed-loop load rounds from a pinned load client,
 * stops it, and prints the server's busy CPU by pipeline step (a sample counts for the first step on its
 * stack, in the order listed below) plus the measured rps and server CPU per decision of each round.
 *
 *   node bench/profile-server.js [--rounds N] [--connections C] [--inflight K] [--no-profile] [--keep DIR]
 * Needs `npm run build`. --no-profile measures without the profiler (its overhead is ~20-40 %).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { encodeRequestPool } = require('./lib/check-requests');
const { generateBundle } = require('./gen-bundle');
const { findFreePort, pinPrefix, startServer, waitReady } = require('./lib/servers');
const { runLoadClient } = require('./lib/targets');

const STEPS = [
  ['cedar-wasm call', /^statefulIsAuthorized /],
  ['entities for Cedar (collectRequestEntities, pickEntityAttrs)', /^(collectRequestEntities|pickEntityAttrs) /],
  ['context for Cedar (conformToType, pickContext)', /^(conformToType|pickContext) /],
  ['rest of bundle.evaluate (mapDecision, …)', /^evaluateInput /],
  ['call parsing (parseCall)', /^(parseCall|parseRoutedCall) /],
  ['identity (resolveRequestCaller)', /^(resolveRequestCaller|resolveCaller) /],
  ['audit record build', /^buildAuditRecord /],
  ['audit write (hash chain, canonical JSON, writeSync)', /^(recordDecision|writeAudit) /],
  ['CheckResponse encode and send (grpc-js respond)', /^respond .*grpc-js/],
  ['CheckRequest decode (protobufjs decode; toObject before T11)', /^(deserialize|decodeRequest) /],
  ['rest of handleCheck (request mapping, outcome, metrics)', /^handleCheck /],
  ['grpc-js / http2 framing outside the handler', /grpc-js|http2|node:net|stream/],
  ['garbage collector', /^\(garbage collector\) /],
];

function parseArgs(argv) {
  const args = { rounds: 4, connections: 4, inflight: 64, profile: true, keep: null };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    if (flag === '--rounds') args.rounds = Number(argv[(i += 1)]);
    else if (flag === '--connections') args.connections = Number(argv[(i += 1)]);
    else if (flag === '--inflight') args.inflight = Number(argv[(i += 1)]);
    else if (flag === '--no-profile') args.profile = false;
    else if (flag === '--keep') args.keep = argv[(i += 1)];
    else throw new Error(`unknown flag ${flag}`);
  }
  return args;
}

/** Busy CPU (µs) per step over the samples after the first Check; idle excluded. */
function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stackOf = (id) => {
    const frames = [];
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const cf = byId.get(at).callFrame;
      frames.push(`${cf.functionName || '(anonymous)'} ${cf.url}`);
    }
    return frames;
  };
  const totals = new Map();
  let busy = 0;
  let started = false;
  for (let i = 0; i < profile.samples.length; i += 1) {
    const stack = stackOf(profile.samples[i]);
    started ||= stack.some((f) => f.startsWith('handleCheck '));
    if (!started || stack[0].startsWith('(idle)')) continue;
    const us = profile.timeDeltas[i + 1] ?? 0;
    busy += us;
    const step = STEPS.find(([, re]) => stack.some((f) => re.test(f)))?.[0] ?? 'other';
    totals.set(step, (totals.get(step) ?? 0) + us);
  }
  return { busy, totals };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-profile-'));
  const bundleDir = path.join(workDir, 'bundle');
  generateBundle(bundleDir);
  const { frames } = encodeRequestPool();
  const poolFile = path.join(workDir, 'pool.bin');
  fs.writeFileSync(poolFile, Buffer.concat(frames));
  const profDir = args.keep ?? path.join(workDir, 'profile');
  const grpc = `127.0.0.1:${await findFreePort()}`;
  const http = `127.0.0.1:${await findFreePort()}`;
  const nproc = os.cpus().length;
  const profFlags = args.profile ? ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-interval', '200'] : [];
  const server = startServer(
    [...pinPrefix(1, nproc), process.execPath, ...profFlags, path.join(__dirname, '..', 'bin', 'callgate.js'), 'serve', '--policies', bundleDir, '--listen-grpc', grpc, '--listen-http', http, '--log-level', 'warn'],
    path.join(workDir, 'server.log'),
  );
  let decisions = 0;
  try {
    await waitReady(server, http, 60_000);
    for (let round = 0; round < args.rounds; round += 1) {
      const r = await runLoadClient({ name: 'profile', mode: 'closed', connections: args.connections, inflight: args.inflight, warmupMs: 2000, durationMs: 5000, target: grpc, poolFile, maxCount: 500_000, requestTimeoutMs: 10_000, serverPid: server.pid }, workDir, pinPrefix(0, nproc));
      decisions += Math.round(r.rps * 7); // warm-up and window both load the server
      process.stdout.write(`round ${round + 1}: ${r.rps} rps, server ${r.serverCpuCores} cores, ${Math.round((r.serverCpuCores * 1e6) / r.rps)} µs server CPU per decision, other ${r.otherCpuCores}, allowed ${r.allowed}, denied ${r.denied}, non-OK ${r.nonOk}\n`);
    }
  } finally {
    server.child.kill('SIGINT'); // serve drains and exits; --cpu-prof writes the profile on exit
    await server.exited;
  }
  if (args.profile) {
    const file = fs.readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error(`no profile written (see ${path.join(workDir, 'server.log')})`);
    const { busy, totals } = summarize(JSON.parse(fs.readFileSync(path.join(profDir, file), 'utf8')));
    process.stdout.write(`\nserver busy CPU under load: ${(busy / 1e3).toFixed(0)} ms for ~${decisions} decisions (profiler on)\n`);
    for (const [step, us] of [...totals].sort((a, b) => b[1] - a[1])) {
      process.stdout.write(`${((100 * us) / busy).toFixed(1).padStart(5)} %  ${String(Math.round(us / decisions)).padStart(5)} µs  ${step}\n`);
    }
    if (args.keep) process.stdout.write(`profile: ${path.join(profDir, file)}\n`);
  }
  if (!args.keep) fs.rmSync(workDir, { recursive: true, force: true });
}

main().catch((error) => {
  process.stderr.write(`profile-server: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
