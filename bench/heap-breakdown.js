#!/usr/bin/env node
'use strict';
/**
 * What a loaded bundle keeps in memory (issue 7, "RSS ≤ 150 MB with 100,000 policies"), in process:
 *   node --expose-gc bench/heap-breakdown.js --bundle DIR --cache DIR [--dist DIR] [--decisions N] [--warm]
 *        [--parts] [--snapshot FILE] [--max-prepared N]
 * Loads the bundle with the validation cache (fill it first: a cold 100,000-policy bundle validates for
 * minutes), then prints `process.memoryUsage()` after a full GC at each stage: modules loaded, bundle
 * loaded, after N decisions spread over every function, after preparsing every slice (`--warm`).
 * `arrayBuffers` is mostly cedar-wasm's linear memory. `--parts` rebuilds each part of the prepared
 * bundle alone from the cached validation and prints the heap it retains. `--snapshot` writes a heap
 * snapshot and prints its self sizes summed by constructor (top 25). `--dist` picks the compiled build
 * (default: dist/), so two builds can be compared; `--max-prepared` sets engine.max_prepared_policies
 * (absent: loadBundle's default, no limit).
 */
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');

const MiB = 1024 * 1024;

function parseArgs(argv) {
  const options = { dist: path.join(__dirname, '..', 'dist'), decisions: 20000, warm: false, parts: false };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const next = () => argv[++i];
    if (flag === '--bundle') options.bundle = next();
    else if (flag === '--cache') options.cache = next();
    else if (flag === '--dist') options.dist = path.resolve(next());
    else if (flag === '--decisions') options.decisions = Number(next());
    else if (flag === '--warm') options.warm = true;
    else if (flag === '--parts') options.parts = true;
    else if (flag === '--snapshot') options.snapshot = next();
    else if (flag === '--max-prepared') options.maxPrepared = Number(next());
    else throw new Error(`unknown flag ${flag}`);
  }
  if (!options.bundle || !options.cache) throw new Error('usage: node --expose-gc bench/heap-breakdown.js --bundle DIR --cache DIR [--dist DIR] [--decisions N] [--warm] [--parts] [--snapshot FILE]');
  return options;
}

function collect() {
  if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i += 1) global.gc();
}

function usage(stage) {
  collect();
  const m = process.memoryUsage();
  const h = v8.getHeapStatistics();
  return { stage, rss: m.rss / MiB, heapUsed: m.heapUsed / MiB, heapTotal: m.heapTotal / MiB, external: m.external / MiB, arrayBuffers: m.arrayBuffers / MiB, mallocedMemory: h.malloced_memory / MiB };
}

function formatRows(rows) {
  const f = (n) => n.toFixed(1).padStart(9);
  const head = `${'stage'.padEnd(34)}      rss heapUsed heapTotal  external arrayBufs   malloced`;
  return [head, ...rows.map((r) => `${r.stage.padEnd(34)}${f(r.rss)}${f(r.heapUsed)}${f(r.heapTotal)}${f(r.external)}${f(r.arrayBuffers)}${f(r.mallocedMemory)}`)].join('\n');
}

/** Bench-shaped decisions: user-N in team-(N mod 20), MCP context, amounts and regions like the load pool. */
function decisionInput(i, functions) {
  const user = (i * 7919) % 500;
  const fn = `fn_${String(i % functions).padStart(3, '0')}`;
  return {
    principal: { uid: { type: 'User', id: `user-${user}` }, attrs: {}, parents: [{ type: 'Group', id: `team-${user % 20}` }] },
    requestEntities: [],
    action: fn,
    resource: 'tools',
    context: {
      input: { amount: i % 10 < 6 ? (i * 13) % 100 : (i * 37) % 6000, region: i % 8 === 0 ? 'us' : 'eu' },
      caller: { kind: i % 5 === 0 ? 'agent' : 'human', interactive: true, authenticated: true, issuer: 'https://idp.example.com', scopes: [] },
      request: { method: 'POST', path: '/mcp', host: 'tools', protocol: 'mcp', id: `r-${i}`, sourceIp: { __extn: { fn: 'ip', arg: '10.0.0.1' } } },
      approval: { granted: false },
      time: { epochSeconds: 1_700_000_000, hourUtc: 12, weekdayUtc: 3 },
    },
  };
}

/** Heap retained by `build()`'s result: heapUsed after GC with it held, minus before. */
function retainedBy(build) {
  collect();
  const before = process.memoryUsage().heapUsed;
  const held = build();
  collect();
  const after = process.memoryUsage().heapUsed;
  return { held, mib: (after - before) / MiB };
}

async function measureParts(dist, options) {
  const { readValidationCache, validationCacheKey } = require(path.join(dist, 'policy', 'validation-cache.js'));
  const { readBundleFiles } = require(path.join(dist, 'policy', 'bundle-files.js'));
  const { readBaseSchema } = require(path.join(dist, 'policy', 'load-bundle.js'));
  const { computeActionSlices } = require(path.join(dist, 'policy', 'action-slices.js'));
  const { schemaShapesOf, explicitEntities } = require(path.join(dist, 'policy', 'function-shapes.js'));
  const { combineContextReads } = require(path.join(dist, 'policy', 'context-reads.js'));
  const { combineEntityReads } = require(path.join(dist, 'policy', 'entity-reads.js'));
  const { readPolicyAnnotations } = require(path.join(dist, 'obligations', 'policy-annotations.js'));
  const copy = (text) => Buffer.from(text, 'utf8').toString('utf8');
  const files = await readBundleFiles(options.bundle);
  const key = validationCacheKey(files, await readBaseSchema());
  const filesText = retainedBy(() => files.policies.map((f) => copy(f.text)));
  const v = await readValidationCache(options.cache, key);
  if (v === undefined) throw new Error('no cache entry for this bundle: fill the cache first');
  const rows = [];
  rows.push(['policy files\' text (as read for the revision)', filesText.mib]);
  const functions = new Set(v.functions);
  const parents = new Map(v.parents);
  rows.push(['whole cached validation (ValidatedBundle)', retainedBy(() => JSON.parse(JSON.stringify(v))).mib]);
  rows.push(['policy texts (id → text map)', retainedBy(() => new Map(v.policies.map((p) => [p.id, copy(p.text)]))).mib]);
  rows.push(['policy reads (a copy per policy; a cached validation shares equal ones)', retainedBy(() => v.policies.map((p) => JSON.parse(JSON.stringify(p.reads)))).mib]);
  rows.push(['completed schema (JSON)', retainedBy(() => JSON.parse(JSON.stringify(v.schema))).mib]);
  rows.push(['annotations (per policy)', retainedBy(() => new Map(v.policies.map((p) => [p.id, readPolicyAnnotations(p.effect, p.annotations).annotations]))).mib]);
  const sliced = retainedBy(() => computeActionSlices(functions, parents, v.policies.map((p) => ({ id: p.id, action: p.action }))));
  rows.push(['slices + sliceOf', sliced.mib]);
  const shapes = retainedBy(() => schemaShapesOf(v.schema, functions, parents));
  rows.push(['schema shapes (per function)', shapes.mib]);
  rows.push(['explicit entities', retainedBy(() => explicitEntities(v.entities, v.schema, shapes.held.names)).mib]);
  const readsById = new Map(v.policies.map((p) => [p.id, p.reads]));
  const sliceReads = sliced.held.slices.map((ids) => ids.map((id) => readsById.get(id)));
  rows.push(['context reads (per slice)', retainedBy(() => sliceReads.map((reads) => combineContextReads(reads.map((r) => r.context)))).mib]);
  rows.push(['entity reads (per slice)', retainedBy(() => sliceReads.map((reads) => combineEntityReads(reads.map((r) => r.entity)))).mib]);
  rows.push(['slice policy records (id → text, texts shared)', retainedBy(() => sliced.held.slices.map((ids) => Object.fromEntries(ids.map((id) => [id, ''])))).mib]);
  return rows;
}

function summariseSnapshot(file) {
  const snapshot = JSON.parse(fs.readFileSync(file, 'utf8'));
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const totals = new Map();
  const nodes = snapshot.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    const name = type === 'object' || type === 'closure' || type === 'native' ? snapshot.strings[nodes[i + nameAt]] : `(${type})`;
    const entry = totals.get(name) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += nodes[i + sizeAt];
    totals.set(name, entry);
  }
  return [...totals].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 25);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const rows = [usage('start')];
  const { loadBundle } = require(path.join(options.dist, 'policy', 'load-bundle.js'));
  rows.push(usage('modules loaded'));
  const started = process.hrtime.bigint();
  const loaded = await loadBundle(options.bundle, { cacheDir: options.cache, ...(options.maxPrepared === undefined ? {} : { maxPreparedPolicies: options.maxPrepared }) });
  const loadMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (loaded.kind !== 'loaded') throw new Error(`bundle did not load: ${JSON.stringify(loaded.problems.slice(0, 3))}`);
  const bundle = loaded.bundle;
  rows.push(usage('bundle loaded (cached)'));
  const functions = new Set(bundle.policyIds.map((id) => id.split('.')[0])).size;
  const cpu0 = process.cpuUsage();
  const counts = {};
  for (let i = 0; i < options.decisions; i += 1) {
    const d = bundle.evaluate(decisionInput(i, functions));
    const key = d.kind === 'allow' ? 'allow' : d.code;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  const cpu = process.cpuUsage(cpu0);
  rows.push(usage(`after ${options.decisions} decisions`));
  let warmMs;
  if (options.warm) {
    const w0 = process.cpuUsage();
    while ((bundle.warm?.(100) ?? 0) > 0);
    const w = process.cpuUsage(w0);
    warmMs = (w.user + w.system) / 1000;
    rows.push(usage('after preparsing every slice'));
  }
  process.stdout.write(`${formatRows(rows)}\n`);
  process.stdout.write(`load ${loadMs.toFixed(0)} ms; ${options.decisions} decisions over ${functions} functions: ${JSON.stringify(counts)}, ${((cpu.user + cpu.system) / options.decisions).toFixed(0)} µs CPU each (first calls preparse their slice)${warmMs === undefined ? '' : `; warm-up of the rest ${warmMs.toFixed(0)} ms CPU`}\n`);
  if (options.snapshot) {
    v8.writeHeapSnapshot(options.snapshot);
    process.stdout.write('\nheap snapshot, self size by constructor (top 25):\n');
    for (const [name, e] of summariseSnapshot(options.snapshot)) process.stdout.write(`${(e.bytes / MiB).toFixed(1).padStart(8)} MiB ${String(e.count).padStart(9)}  ${name}\n`);
  }
  if (options.parts) {
    process.stdout.write('\nheap retained by each part, rebuilt alone from the cached validation:\n');
    for (const [name, mib] of await measureParts(options.dist, options)) process.stdout.write(`${mib.toFixed(1).padStart(8)} MiB  ${name}\n`);
  }
  void bundle;
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
