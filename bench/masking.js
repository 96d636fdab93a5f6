#!/usr/bin/env node
/**
 * Masking throughput on one core, all built-in detectors on, partial style (run `npm run build` first):
 * - a 1 MB JSON document (records with cards, emails, phones, free text, numbers, a JSON-in-text twin);
 * - an SSE stream of 2 KB MCP events, fed in 1 KB chunks, and the time each event adds (push → release).
 * Usage: node bench/masking.js [--seconds 5]
 */
'use strict';
const path = require('node:path');
const dist = path.join(__dirname, '..', 'dist');
const { builtInDetector } = require(path.join(dist, 'masking/detectors.js'));
const { maskJsonText } = require(path.join(dist, 'masking/mask-json.js'));
const { createSseMasker } = require(path.join(dist, 'masking/sse-stream.js'));
const { KNOWN_DETECTORS } = require(path.join(dist, 'obligations/detectors.js'));

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 5;
const fields = process.argv.includes('--no-fields') ? [] : ['$..cvv'];
const plan = { detectors: KNOWN_DETECTORS.map(builtInDetector), fields, style: { kind: 'partial' } };

function record(i) {
  return {
    id: `cust-${i}`,
    name: `Customer ${i} of the northern region`,
    email: `user${i}@example.com`,
    phone: '+1 415 555 0132',
    card: i % 3 === 0 ? '4111 1111 1111 1111' : 'none on file',
    card_number: i % 5 === 0 ? 5555555555554444 : i * 7919,
    cvv: '123',
    balance: i * 13.37,
    notes: 'Called about order 2026-11-25; asked to update the address. Nothing sensitive in this sentence at all.',
    tags: ['gold', 'eu', `segment-${i % 17}`],
  };
}

function jsonDocument(targetBytes) {
  const records = [];
  let size = 0;
  for (let i = 0; size < targetBytes; i += 1) {
    const r = record(i);
    records.push(r);
    size += JSON.stringify(r).length + 1;
  }
  return JSON.stringify({ jsonrpc: '2.0', id: 1, result: { structuredContent: { records }, content: [{ type: 'text', text: JSON.stringify(records.slice(0, 50)) }] } });
}

/** Runs fn for `seconds`; wall time, and this process's CPU time (on a shared core, the figure that load does not dilute). */
function timeLoop(fn) {
  const end = process.hrtime.bigint() + BigInt(seconds * 1e9);
  let n = 0;
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  while (process.hrtime.bigint() < end) {
    fn();
    n += 1;
  }
  const cpu = process.cpuUsage(cpu0);
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  return { n, secs, cpuSecs: (cpu.user + cpu.system) / 1e6 };
}

const share = (t) => `${((100 * t.cpuSecs) / t.secs).toFixed(0)}% of the core was ours`;

const doc = jsonDocument(1 << 20);
maskJsonText(doc, plan, {}); // warm-up
const json = timeLoop(() => maskJsonText(doc, plan, {}));
const jsonMBs = (json.n * Buffer.byteLength(doc)) / (1 << 20) / json.secs;
const jsonCpuMBs = (json.n * Buffer.byteLength(doc)) / (1 << 20) / json.cpuSecs;

const event = `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: JSON.stringify([record(3), record(5), record(7), record(9), record(11)]) }] } })}\n\n`;
const stream = Buffer.from(event.repeat(512));
const latencies = [];
const sse = timeLoop(() => {
  const masker = createSseMasker(plan, {}, 1 << 20);
  for (let at = 0; at < stream.length; at += 1024) {
    const t0 = process.hrtime.bigint();
    const step = masker.push(stream.subarray(at, at + 1024));
    if (step.kind === 'emit' && step.bytes.length > 0 && latencies.length < 200000) latencies.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  masker.end();
});
const sseMBs = (sse.n * stream.length) / (1 << 20) / sse.secs;
const sseCpuMBs = (sse.n * stream.length) / (1 << 20) / sse.cpuSecs;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(0);
console.log(`node ${process.version}, ${seconds}s per case, one core, all ${plan.detectors.length} detectors, partial style, @mask_fields ${JSON.stringify(fields)}`);
console.log(`1 MB JSON (${Buffer.byteLength(doc)} bytes): ${jsonMBs.toFixed(1)} MB/s wall, ${jsonCpuMBs.toFixed(1)} MB per CPU-second (${share(json)})`);
console.log(`SSE, ${Buffer.byteLength(event)}-byte events in 1 KB chunks: ${sseMBs.toFixed(1)} MB/s wall, ${sseCpuMBs.toFixed(1)} MB per CPU-second (${share(sse)}); per released event (µs): p50 ${pct(50)}, p99 ${pct(99)}, p99.9 ${pct(99.9)}`);
