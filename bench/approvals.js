#!/usr/bin/env node
'use strict';
/**
 * `node bench/approvals.js [--n 2000] [--redis redis://127.0.0.1:6379/9]`: latency of the approval store
 * operations the data path and approvers use, on the embedded SQLite file and on Redis:
 *   request (new)   — findOrCreate for a call with no live approval (inserts a pending one)
 *   request (found) — findOrCreate for a call whose approval is pending (the retry while waiting)
 *   decide          — pending → approved
 *   consume         — approved → consumed (the single-use step of the approved retry)
 * One operation at a time (the latency a Check adds on the approval path; the allow path never touches the
 * store). Without --redis a private redis-server is started on a free port when /usr/bin/redis-server
 * exists. Needs `npm run build`. Prints a table and writes bench/results/approvals.json.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const { spawn } = require('node:child_process');
const { openSqliteStore } = require('../dist/approvals/sqlite-store');
const { openRedisStore } = require('../dist/approvals/redis-store');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

function candidate(i, fingerprint, now) {
  return {
    id: `bench-${i}-${fingerprint}`, status: 'pending', fingerprint,
    principal: { type: 'Service', id: 'deploy-bot' }, function: 'delete_repo', server: 'tools', policyId: 'needs-approval',
    approverGroup: { type: 'Group', id: 'oncall' }, maskedInput: { repo: `acme/repo-${i}` },
    createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 900_000).toISOString(),
  };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function timeEach(n, op) {
  const us = [];
  for (let i = 0; i < n; i += 1) {
    const t = process.hrtime.bigint();
    await op(i);
    us.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  us.sort((a, b) => a - b);
  return { p50: percentile(us, 50), p99: percentile(us, 99), max: us[us.length - 1] };
}

async function benchStore(name, store, n) {
  const now = new Date();
  const run = `${process.pid}-${Date.now()}`;
  const carol = { type: 'User', id: 'carol' };
  const rows = {};
  const ids = [];
  rows['request (new)'] = await timeEach(n, async (i) => ids.push((await store.findOrCreate(candidate(i, `${run}-${i}`, now), now)).approval.id));
  rows['request (found)'] = await timeEach(n, (i) => store.findOrCreate(candidate(n + i, `${run}-${i}`, now), now));
  rows.decide = await timeEach(n, (i) => store.decide(ids[i], { status: 'approved', decidedBy: carol, reason: 'bench' }, now));
  rows.consume = await timeEach(n, (i) => store.consume(ids[i], now));
  await store.close();
  return { name, rows };
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function main() {
  const n = Number(arg('n', '2000'));
  const results = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-bench-approvals-'));
  results.push(await benchStore('sqlite (file, WAL)', openSqliteStore(path.join(dir, 'approvals.db')), n));
  let redisUrl = arg('redis', undefined);
  let child;
  if (redisUrl === undefined && fs.existsSync('/usr/bin/redis-server')) {
    const port = await freePort();
    child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    redisUrl = `redis://127.0.0.1:${port}/9`;
  }
  if (redisUrl !== undefined) results.push(await benchStore('redis (loopback)', openRedisStore(redisUrl), n));
  child?.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });

  const fmt = (v) => `${v.toFixed(0)} µs`.padStart(11);
  console.log(`approval store operations, one at a time, n=${n} each (${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)})`);
  console.log(`${'store'.padEnd(20)}${'operation'.padEnd(17)}${'p50'.padStart(11)}${'p99'.padStart(11)}${'max'.padStart(11)}`);
  for (const r of results) for (const [op, v] of Object.entries(r.rows)) console.log(`${r.name.padEnd(20)}${op.padEnd(17)}${fmt(v.p50)}${fmt(v.p99)}${fmt(v.max)}`);
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'approvals.json'), JSON.stringify({ n, loadavg: os.loadavg(), results }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
