import { buildAuditRecord, DEFAULT_RECORD_OPTIONS } from '../../../src/audit/audit-record';
import { recordDecision, DEFAULT_TRAIL_SETTINGS } from '../../../src/audit/record-decision';
import type { AuditRecord } from '../../../src/audit/audit-record';
import type { AllowOutcome, DenyOutcome } from '../../../src/authz/outcome';
import type { Caller } from '../../../src/identity/types';
import type { Detector } from '../../../src/masking/types';

const caller = {
  kind: 'agent', interactive: false, authenticated: true, issuer: 'i', scopes: ['s'], source: 'oidc', relatedEntities: [],
  principal: { uid: { type: 'Agent', id: 'bot' }, attrs: {}, parents: [{ type: 'Group', id: 'bots' }] },
} as Caller;
const allow: AllowOutcome = {
  kind: 'allow', decisionId: 'd-1', requestId: 'r-1', caller, server: 'payments', protocol: 'http', bundleRevision: 'rev',
  calls: [{ protocol: 'http', function: 'payments.charge', server: 'payments', args: { card: '4111111111111111', amount: 5, password: 'hunter2' } }],
  decidingPolicies: ['p'], obligations: { mask: ['pan'], maskFields: [], redactArgs: ['password'] },
};
const deny: DenyOutcome = { ...allow, kind: 'deny', decisionId: 'd-2', code: 'ERR_IDENTITY_EXPIRED' as DenyOutcome['code'], reason: 'x', errors: [], decidingPolicies: [] };
const now = new Date('2026-11-25T00:00:00Z');

describe('audit records', () => {
  it('are an allow-list projection: arguments as a digest plus a masked copy without @redact_args fields', () => {
    const r = buildAuditRecord(allow, 0.000123, now);
    expect(r).toMatchObject({
      decision_id: 'd-1', principal: 'Agent::"bot"', caller_kind: 'agent', functions: ['payments.charge'], decision: 'allow', reason: 'none', latency_us: 123, policy_revision: 'rev',
      protocol: 'http', caller: { kind: 'agent', interactive: false, authenticated: true, issuer: 'i', scopes: ['s'], groups: ['Group::"bots"'] },
      args: [{ card: '[REDACTED:pan]', amount: 5 }], args_masked: [['/password', '/card']],
    });
    expect(JSON.stringify(r)).not.toContain('4111111111111111');
    expect(JSON.stringify(r)).not.toContain('hunter2');
    const reordered = buildAuditRecord({ ...allow, calls: [{ ...allow.calls[0]!, args: { password: 'hunter2', amount: 5, card: '4111111111111111' } }] }, 0, now);
    expect(reordered.args_digests).toEqual(r.args_digests);
    expect(buildAuditRecord(deny, 0, now)).toMatchObject({ decision: 'deny', reason: 'ERR_IDENTITY_EXPIRED', obligations: null });
  });

  it('keep only the digest when audit.args is digest', () => {
    const r = buildAuditRecord(allow, 0, now, { ...DEFAULT_RECORD_OPTIONS, args: 'digest' });
    expect(r.args).toBeNull();
    expect(r.args_masked).toBeNull();
    expect(r.args_digests).toHaveLength(1);
  });
});

describe('recording a decision', () => {
  const written: AuditRecord[] = [];
  const sink = { write: (r: AuditRecord) => void written.push(r), close: () => undefined };
  const failing = { write: () => { throw new Error('disk full'); }, close: () => undefined };

  it('writes the record', () => {
    expect(recordDecision(allow, 0, now, sink, DEFAULT_TRAIL_SETTINGS)).toEqual({ kind: 'written' });
    expect(written.at(-1)?.decision_id).toBe('d-1');
  });

  it('drops a record whose arguments cannot be masked, without failing the decision', () => {
    const broken: Detector = { name: 'broken', maxLength: 1, find: () => { throw new Error('detector bug'); } };
    const settings = { ...DEFAULT_TRAIL_SETTINGS, record: { args: 'masked' as const, masking: { detectors: [broken], style: { kind: 'full' as const } } } };
    const before = written.length;
    expect(recordDecision(allow, 0, now, sink, settings)).toMatchObject({ kind: 'dropped', reason: 'mask_failed', failClosed: false });
    expect(written).toHaveLength(before);
  });

  it('fails closed when the sink cannot write (audit.on_failure=deny), or lets it pass under continue', () => {
    expect(recordDecision(allow, 0, now, failing, DEFAULT_TRAIL_SETTINGS)).toMatchObject({ kind: 'dropped', reason: 'write_failed', failClosed: true });
    expect(recordDecision(allow, 0, now, failing, { ...DEFAULT_TRAIL_SETTINGS, onFailure: 'continue' })).toMatchObject({ kind: 'dropped', reason: 'write_failed', failClosed: false });
  });
});
