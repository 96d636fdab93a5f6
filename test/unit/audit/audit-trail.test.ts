import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAuditSink } from '../../../src/audit/audit-sink';
import { buildAuditRecord, type AuditRecord } from '../../../src/audit/audit-record';
import { runAuditVerify } from '../../../src/cli/audit-verify';
import type { AllowOutcome, DenyOutcome } from '../../../src/authz/outcome';
import type { Caller } from '../../../src/identity/types';

const caller = {
  kind: 'agent', interactive: false, authenticated: true, issuer: 'i', scopes: [], source: 'oidc', relatedEntities: [],
  principal: { uid: { type: 'Agent', id: 'bot' }, attrs: {}, parents: [] },
} as Caller;
const allow: AllowOutcome = {
  kind: 'allow', decisionId: 'd-1', requestId: 'r-1', caller, server: 'payments', protocol: 'http', bundleRevision: 'rev',
  calls: [{ protocol: 'http', function: 'payments.charge', server: 'payments', args: { card: '4111111111111111', amount: 5 } }],
  decidingPolicies: ['p'], obligations: { mask: ['pan'], maskFields: [], redactArgs: ['card'] },
};
const deny: DenyOutcome = { ...allow, kind: 'deny', decisionId: 'd-2', code: 'ERR_IDENTITY_EXPIRED' as DenyOutcome['code'], reason: 'x', errors: [], decidingPolicies: [] };

function record(i: number): AuditRecord {
  return buildAuditRecord({ ...allow, decisionId: `d-${i}` }, 0.000123, new Date('2026-11-25T00:00:00Z'));
}

describe('audit records', () => {
  it('are an allow-list projection: arguments only as a digest of their canonical JSON', () => {
    const r = buildAuditRecord(allow, 0.000123, new Date('2026-11-25T00:00:00Z'));
    expect(r).toMatchObject({ decision_id: 'd-1', principal: 'Agent::"bot"', caller_kind: 'agent', functions: ['payments.charge'], decision: 'allow', reason: 'none', latency_us: 123, policy_revision: 'rev' });
    expect(JSON.stringify(r)).not.toContain('4111111111111111');
    const reordered = buildAuditRecord({ ...allow, calls: [{ ...allow.calls[0]!, args: { amount: 5, card: '4111111111111111' } }] }, 0, new Date());
    expect(reordered.args_digests).toEqual(r.args_digests);
    expect(buildAuditRecord(deny, 0, new Date())).toMatchObject({ decision: 'deny', reason: 'ERR_IDENTITY_EXPIRED', obligations: null });
  });
});

describe('hash-chained audit file', () => {
  function writeFile(n: number): string {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'audit-')), 'audit.jsonl');
    const sink = createAuditSink('file', file);
    for (let i = 0; i < n; i++) sink.write(record(i));
    sink.close();
    return file;
  }

  it('verifies an intact chain, also across a restart of the sink', () => {
    const file = writeFile(3);
    const again = createAuditSink('file', file);
    again.write(record(3));
    again.close();
    expect(runAuditVerify([file])).toEqual({ ok: true, output: 'ok: 4 records, chain intact' });
  });

  it.each([
    ['an edited record', (l: string[]) => { l[1] = l[1]!.replace('"d-1"', '"d-9"'); }, /:2: edited/],
    ['a removed record', (l: string[]) => { l.splice(1, 1); }, /:2: broken-link/],
    ['reordered records', (l: string[]) => { [l[1], l[2]] = [l[2]!, l[1]!]; }, /broken-link/],
    ['a truncated last line', (l: string[]) => { l[3] = l[3]!.slice(0, 20); }, /unparsable|truncated/],
  ])('reports %s', (_name, tamper, expected) => {
    const file = writeFile(4);
    const lines = readFileSync(file, 'utf8').split('\n').slice(0, 4);
    tamper(lines);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const result = runAuditVerify([file]);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(expected);
  });
});
