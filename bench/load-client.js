#!/usr/bin/env node
'use strict';
/**
 * Load client for Authorization/Check, speaking gRPC directly over node:http2 (no grpc-js on the client
 * side, so the client stays cheap): unary framing, `content-type: application/grpc`, `te: trailers`,
 * `grpc-status` read from the trailers (or from the headers of a trailers-only answer).
 *
 * Two modes, both warm-up then a measured window that ends on a count or a time bound, whichever first:
 *   closed: a fixed number of requests in flight, spread over N HTTP/2 connections; each completion sends
 *           the next request (throughput and latency under saturation);
 *   open:   a fixed arrival rate, latency measured from each request's scheduled send time (so a stalled
 *           server is not hidden by the client waiting for it). The clock is checked on every turn of the
 *           event loop (`scheduler: 'spin'`, default: the client's core is busy, calls leave on time) or
 *           every ~1 ms (`scheduler: 'timer'`: due calls leave in bursts, adding up to ~1 ms).
 *
 * As a command (run.js pins it to its own core): node bench/load-client.js <config.json>
 * where config = { target, poolFile, mode, connections, inflight, rate, warmupMs, durationMs, maxCount,
 * requestTimeoutMs, serverPid, scheduler }. It prints one JSON result on stdout.
 */
const fs = require('node:fs');
const http2 = require('node:http2');
const net = require('node:net');
const { performance } = require('node:perf_hooks');
const protobuf = require('protobufjs');
const { CHECK_PATH, loadAuthTypes } = require('./lib/envoy-protos');
const { PREFIX_BYTES, splitFrames, frameMessage } = require('./lib/grpc-frame');
const { createLatencyHistogram, recordMicros, summarizeHistogram } = require('./lib/histogram');
const { createCpuReader, createSystemCpuReader } = require('./lib/proc-cpu');

const DEFAULTS = Object.freeze({
  mode: 'closed',
  connections: 1,
  inflight: 16,
  rate: 1000,
  warmupMs: 2000,
  durationMs: 8000,
  maxCount: 200_000,
  requestTimeoutMs: 10_000,
  maxOutstanding: 5000,
  scheduler: 'spin',
  serverPid: 0,
});

const REQUEST_HEADERS = Object.freeze({
  ':method': 'POST',
  ':path': CHECK_PATH,
  ':scheme': 'http',
  'content-type': 'application/grpc',
  te: 'trailers',
  // Envoy sends its ext_authz timeout (grpc_service.timeout, 0.25s in envoy/*.yaml) as the gRPC deadline;
  // callgate sheds Checks whose deadline has passed, so the bench sends it too.
  'grpc-timeout': '250m',
});

/** google.rpc.Code UNAVAILABLE in CheckResponse.status: callgate's 503 denials (overload shedding). */
const STATUS_UNAVAILABLE = 14;

/** google.rpc.Status.code of a serialized CheckResponse (field 1), read with protobufjs' Reader. */
function readCheckStatusCode(message, Status) {
  const reader = protobuf.Reader.create(message);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 2) return Status.decode(reader, reader.uint32()).code;
    reader.skipType(tag & 7);
  }
  return 0; // no status: proto3 default, which Envoy takes as OK
}

/** Outcome of one call: 'allowed' | 'denied' | 'shed' | `grpc-<code>` | 'transport-error' | 'timeout'. */
function classifyAnswer(grpcStatus, chunks, Status) {
  if (grpcStatus === null) return 'transport-error';
  if (grpcStatus !== 0) return `grpc-${grpcStatus}`;
  const body = Buffer.concat(chunks);
  if (body.length < PREFIX_BYTES) return 'transport-error';
  const message = body.subarray(PREFIX_BYTES, PREFIX_BYTES + body.readUInt32BE(1));
  const code = readCheckStatusCode(message, Status);
  return code === 0 ? 'allowed' : code === STATUS_UNAVAILABLE ? 'shed' : 'denied';
}

/**
 * Sends one framed CheckRequest; calls done(outcome) exactly once, when the stream closes. No per-call
 * timer (timers cost the client more than the call): a run's drain deadline cancels stuck streams instead.
 */
function sendCheck(session, frame, Status, done) {
  let grpcStatus = null;
  const chunks = [];
  if (session.destroyed || session.closed) {
    process.nextTick(done, 'transport-error');
    return;
  }
  const stream = session.request(REQUEST_HEADERS);
  stream.on('response', (headers) => {
    if (headers['grpc-status'] !== undefined) grpcStatus = Number(headers['grpc-status']);
  });
  stream.on('trailers', (trailers) => {
    if (trailers['grpc-status'] !== undefined) grpcStatus = Number(trailers['grpc-status']);
  });
  stream.on('data', (chunk) => chunks.push(chunk));
  stream.on('error', () => {}); // the outcome is decided on close
  stream.on('close', () => done(stream.rstCode === http2.constants.NGHTTP2_CANCEL ? 'timeout' : classifyAnswer(grpcStatus, chunks, Status)));
  stream.end(frame);
}

/** One HTTP/2 connection with Nagle off (as grpc-js and Envoy's gRPC clients do). */
function connect(target) {
  const at = target.lastIndexOf(':');
  const endpoint = { host: target.slice(0, at), port: Number(target.slice(at + 1)), noDelay: true };
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${target}`, {
      settings: { enablePush: false },
      createConnection: () => net.connect(endpoint),
    });
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

/** Per-run counters and the latency histogram of the measured window. */
function createTally() {
  return { histogram: createLatencyHistogram(), outcomes: {}, started: 0, completed: 0, dropped: 0 };
}

function countOutcome(tally, outcome) {
  tally.outcomes[outcome] = (tally.outcomes[outcome] ?? 0) + 1;
}

/** Window bookkeeping shared by both modes: phase switch, CPU snapshots, stop conditions. */
function createWindow(options) {
  const readServerCpu = createCpuReader(options.serverPid);
  const readSystemCpu = createSystemCpuReader();
  const window = { phase: 'warmup', start: 0, end: 0, clientCpu0: null, serverCpu0: null, systemCpu0: null, clientCpu: null, serverCpu: null, systemCpu: null };
  window.beginMeasure = () => {
    window.phase = 'measure';
    window.start = performance.now();
    window.clientCpu0 = process.cpuUsage();
    window.serverCpu0 = readServerCpu();
    window.systemCpu0 = readSystemCpu();
  };
  window.finishMeasure = () => {
    window.end = performance.now();
    const elapsedS = (window.end - window.start) / 1000;
    const client = process.cpuUsage(window.clientCpu0);
    window.clientCpu = elapsedS > 0 ? (client.user + client.system) / 1e6 / elapsedS : null;
    const serverNow = readServerCpu();
    window.serverCpu = serverNow !== null && window.serverCpu0 !== null && elapsedS > 0 ? (serverNow - window.serverCpu0) / elapsedS : null;
    const systemNow = readSystemCpu();
    window.systemCpu = systemNow !== null && window.systemCpu0 !== null && elapsedS > 0 ? (systemNow - window.systemCpu0) / elapsedS : null;
  };
  return window;
}

function foreignCpu(window) {
  if (window.systemCpu === null || window.clientCpu === null || window.serverCpu === null) return null;
  return Math.max(0, Math.round((window.systemCpu - window.clientCpu - window.serverCpu) * 100) / 100);
}

function buildResult(options, tally, window) {
  const seconds = (window.end - window.start) / 1000;
  const outcomes = tally.outcomes;
  const nonOk = Object.entries(outcomes).filter(([k]) => !['allowed', 'denied', 'shed'].includes(k)).reduce((n, [, v]) => n + v, 0);
  return {
    mode: options.mode,
    connections: options.connections,
    inflight: options.mode === 'closed' ? options.inflight : null,
    targetRate: options.mode === 'open' ? options.rate : null,
    measuredSeconds: Math.round(seconds * 1000) / 1000,
    completed: tally.completed,
    rps: seconds > 0 ? Math.round(tally.completed / seconds) : 0,
    latencyMs: summarizeHistogram(tally.histogram),
    allowed: outcomes.allowed ?? 0,
    denied: outcomes.denied ?? 0,
    shed: outcomes.shed ?? 0,
    nonOk,
    outcomes: { ...outcomes },
    dropped: tally.dropped,
    clientCpuCores: window.clientCpu === null ? null : Math.round(window.clientCpu * 100) / 100,
    serverCpuCores: window.serverCpu === null ? null : Math.round(window.serverCpu * 100) / 100,
    // CPU the rest of the machine used meanwhile (other processes): a noisy neighbour shows up here
    otherCpuCores: foreignCpu(window),
  };
}

/** After the window closes, calls still unanswered at requestTimeoutMs count as timeouts and the run ends. */
function armDrainDeadline(options, tally, getInFlight, finish) {
  setTimeout(() => {
    const stuck = getInFlight();
    if (stuck === 0) return;
    tally.outcomes.timeout = (tally.outcomes.timeout ?? 0) + stuck;
    finish();
  }, options.requestTimeoutMs).unref();
}

/** Closed loop: options.inflight workers spread over the sessions, each sending its next call on completion. */
function driveClosedLoop(sessions, frames, options, Status) {
  const tally = createTally();
  const window = createWindow(options);
  let next = 0;
  let inFlight = 0;
  let stopping = false;
  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      window.finishMeasure();
      resolve(buildResult(options, tally, window));
    };
    const stop = () => {
      if (stopping) return;
      stopping = true;
      armDrainDeadline(options, tally, () => inFlight, finish);
    };
    const issue = (session) => {
      const measured = window.phase === 'measure';
      if (measured) tally.started += 1;
      if (measured && tally.started >= options.maxCount) stop();
      const frame = frames[next % frames.length];
      next += 1;
      inFlight += 1;
      const sentAt = performance.now();
      sendCheck(session, frame, Status, (outcome) => {
        inFlight -= 1;
        if (measured) {
          recordMicros(tally.histogram, (performance.now() - sentAt) * 1000);
          countOutcome(tally, outcome);
          tally.completed += 1;
        }
        // a dead connection (server crashed or closed it) retires its worker instead of spinning
        if (!stopping && !session.destroyed && !session.closed) issue(session);
        else if (inFlight === 0) finish();
      });
    };
    for (let i = 0; i < options.inflight; i += 1) issue(sessions[i % sessions.length]);
    setTimeout(() => {
      window.beginMeasure();
      setTimeout(stop, options.durationMs).unref();
    }, options.warmupMs);
  });
}

/** Open loop: a timer releases every call whose scheduled time has come; latency counts from that time. */
function driveOpenLoop(sessions, frames, options, Status) {
  const tally = createTally();
  const window = createWindow(options);
  const intervalMs = 1000 / options.rate;
  const origin = performance.now();
  let scheduled = 0;
  let inFlight = 0;
  let stopping = false;
  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      window.finishMeasure();
      resolve(buildResult(options, tally, window));
    };
    const stop = () => {
      if (stopping) return;
      stopping = true;
      armDrainDeadline(options, tally, () => inFlight, finish);
    };
    const release = () => {
      const now = performance.now();
      while (!stopping && origin + scheduled * intervalMs <= now) {
        const due = origin + scheduled * intervalMs;
        const measured = window.phase === 'measure';
        const frame = frames[scheduled % frames.length];
        const session = sessions[scheduled % sessions.length];
        scheduled += 1;
        if (measured) tally.started += 1;
        if (measured && tally.started >= options.maxCount) stop();
        if (inFlight >= options.maxOutstanding) {
          if (measured) tally.dropped += 1;
          continue;
        }
        inFlight += 1;
        sendCheck(session, frame, Status, (outcome) => {
          inFlight -= 1;
          if (measured) {
            recordMicros(tally.histogram, (performance.now() - due) * 1000);
            countOutcome(tally, outcome);
            tally.completed += 1;
          }
          if (stopping && inFlight === 0) finish();
        });
      }
      if (stopping) {
        if (inFlight === 0) finish();
        return;
      }
      // 'spin' re-checks the clock on every turn of the event loop (after pending I/O), so a call leaves
      // within µs of its scheduled time at the cost of a busy client core; 'timer' wakes every ~1 ms and
      // sends whatever came due meanwhile in a burst.
      if (options.scheduler === 'timer') setTimeout(release, 1);
      else setImmediate(release);
    };
    release();
    setTimeout(() => {
      window.beginMeasure();
      setTimeout(stop, options.durationMs).unref();
    }, options.warmupMs);
  });
}

/**
 * Runs one load scenario against `options.target` (host:port) with pre-framed CheckRequests `frames`.
 * Resolves with { mode, connections, inflight, targetRate, rps, latencyMs: {p50, p90, p99, p999, ...},
 * allowed, denied, nonOk, outcomes, dropped, clientCpuCores, serverCpuCores, ... }.
 */
async function runLoad(frames, overrides) {
  const options = { ...DEFAULTS, ...overrides };
  if (frames.length === 0) throw new Error('empty request pool');
  const { Status } = loadAuthTypes();
  const sessions = await Promise.all(Array.from({ length: options.connections }, () => connect(options.target)));
  try {
    const drive = options.mode === 'open' ? driveOpenLoop : driveClosedLoop;
    return await drive(sessions, frames, options, Status);
  } finally {
    for (const session of sessions) session.destroy(); // also cancels calls left after a drain deadline
  }
}

async function main() {
  const configFile = process.argv[2];
  if (!configFile) throw new Error('usage: node bench/load-client.js <config.json>');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  const frames = splitFrames(fs.readFileSync(config.poolFile)).map((m) => frameMessage(m));
  const result = await runLoad(frames, config);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`load-client: ${error.stack ?? error}\n`);
    process.exit(1);
  });
}

module.exports = { DEFAULTS, runLoad, readCheckStatusCode, classifyAnswer, connect, sendCheck };
