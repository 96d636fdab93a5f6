#!/usr/bin/env node
'use strict';
/**
 * `node bench/audit.js [--records N]`: cost of the audit step a Check pays (src/audit, in process):
 *   build, digest only  — allow-list projection + SHA-256 of the canonical arguments
 *   build, masked       — the same plus the masked copy (every built-in detector over every string)
 *   write, file sink    — hash chain + synchronous append (no checkpoints)
 *   write, signed       — the same with an Ed25519 checkpoint every 1000 records
 *   write, rotating     — the same with rotation every 256 KiB (keep 2)
 * The arguments differ per record (a realistic MCP tools/call: 6 fields, one email, one card number).
 * Prints µs per record and writes bench/results/audit.json. Needs `npm run build`.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { generateKeyPairSync } = require('node:crypto');
const { buildAuditRecord, DEFAULT_RECORD_OPTIONS } = require('../dist/audit/audit-record');
const { createAuditSink } = require('../dist/audit/audit-sink');

const N = Number(process.argv[process.argv.indexOf('--records') + 1]) || 20000;
const now = new Date('2026-11-25T10:00:00Z');
const caller = {
  kind: 'agent', interactive: false, authenticated: true, issuer: 'https://idp.example.com', scopes: ['tools'], source: 'jwt_authn', relatedEntities: [],
  principal: { uid: { type: 'Agent', id: 'triage-bot' }, attrs: {}, parents: [{ type: 'Group', id: 'agents' }] },
};
function outcomeOf(i) {
  return {
    kind: 'allow', decisionId: `d-${i}`, requestId: `r-${i}`, caller, server: 'tools', protocol: 'mcp', bundleRevision: 'rev', decidingPolicies: ['tools-read'],
    obligations: { mask: ['pan'], maskFields: [], redactArgs: ['token'] },
    calls: [{ protocol: 'mcp', function: 'search_issues', server: 'tools', jsonRpcId: i, args: {
      query: `crash in module ${i} reported by user${i}@example.com`, repo: 'acme/app', labels: ['bug', `p${i % 4}`], limit: 20,
      payment: { card: '4111 1111 1111 1111', note: `order ${i}` }, token: `secret-${i}`,
    } }],
  };
}
const outcomes = Array.from({ length: N }, (_, i) => outcomeOf(i));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgate-bench-audit-'));
const keyFile = path.join(dir, 'k.pem');
fs.writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));

function time(fn) {
  fn(Math.min(1000, N)); // warm-up
  const t = process.hrtime.bigint();
  fn(N);
  return Number(process.hrtime.bigint() - t) / 1e3 / N;
}
const digest = { ...DEFAULT_RECORD_OPTIONS, args: 'digest' };
const records = outcomes.map((o) => buildAuditRecord(o, 0.0001, now));
function sinkRun(name, settings) {
  return time((n) => {
    const file = path.join(dir, `${name}-${n}.jsonl`);
    const sink = createAuditSink({ kind: 'file', file, rotation: { maxBytes: 0, daily: false, keep: 0 }, signingKey: '', everyRecords: 0, everySeconds: 0, ...settings(file) });
    for (let i = 0; i < n; i++) sink.write(records[i]);
    sink.close();
  });
}
const results = {
  'build, digest only': time((n) => { for (let i = 0; i < n; i++) buildAuditRecord(outcomes[i], 0.0001, now, digest); }),
  'build, masked': time((n) => { for (let i = 0; i < n; i++) buildAuditRecord(outcomes[i], 0.0001, now); }),
  'write, file sink': sinkRun('plain', () => ({})),
  'write, signed every 1000': sinkRun('signed', () => ({ signingKey: keyFile, everyRecords: 1000 })),
  'write, rotating 256 KiB': sinkRun('rotating', () => ({ signingKey: keyFile, everyRecords: 1000, rotation: { maxBytes: 256 * 1024, daily: false, keep: 2 } })),
};
fs.rmSync(dir, { recursive: true, force: true });
console.log(`audit step, ${N} records, µs per record (${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version})`);
for (const [name, us] of Object.entries(results)) console.log(`  ${name.padEnd(28)} ${us.toFixed(1)}`);
fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'results', 'audit.json'), `${JSON.stringify({ records: N, node: process.version, us_per_record: results }, null, 2)}\n`);
