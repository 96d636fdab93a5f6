/** The approver rules of ApprovalService.decide, on the embedded store with a frozen clock. */
import { createApprovals, type Approvals } from '../../../src/approvals/approval-service';
import type { ApprovalEvent } from '../../../src/approvals/approval-events';
import { isMemberOf, parseEntityUid } from '../../../src/approvals/membership';
import { openSqliteStore } from '../../../src/approvals/sqlite-store';
import type { ApprovalRequest, Approver } from '../../../src/approvals/types';

const T0 = new Date('2026-03-01T10:00:00.000Z');
// entities.json: Group::"sre" in Group::"oncall"; User::"erin" in Group::"sre"
const ANCESTORS: Record<string, string[]> = {
  'Group::"sre"': ['Group::"oncall"'],
  'User::"erin"': ['Group::"oncall"', 'Group::"sre"'],
};

const request: ApprovalRequest = {
  fingerprint: 'fp-1',
  principal: { type: 'Agent', id: 'research-agent' },
  onBehalfOf: { type: 'User', id: 'bob' },
  function: 'delete_repo',
  server: 'tools',
  policyId: 'needs-approval',
  approverGroup: { type: 'Group', id: 'oncall' },
  maskedInput: { repo: 'core' },
};
const user = (id: string, ...groups: string[]): Approver => ({ principal: { type: 'User', id }, groups: groups.map((g) => ({ type: 'Group', id: g })) });

describe('ApprovalService.decide', () => {
  let now = T0;
  let approvals: Approvals;
  let events: ApprovalEvent[];
  beforeEach(() => {
    now = T0;
    events = [];
    let n = 0;
    approvals = createApprovals({
      store: openSqliteStore(':memory:'),
      ttlSeconds: 600,
      publicUrl: () => 'https://callgate.example.com/',
      ancestorsOf: (key) => ANCESTORS[key] ?? [],
      now: () => now,
      newId: () => `ap-${(n += 1)}`,
      record: (e) => void events.push(e),
      holdPollMs: 10,
      sleep: async () => undefined,
    });
  });
  afterEach(() => approvals.close());

  it('creates the approval once, with its URL and expiry, and records it', async () => {
    const a = await approvals.requestApproval(request, 'd-1');
    expect(a).toMatchObject({ id: 'ap-1', status: 'pending', createdAt: T0.toISOString(), expiresAt: '2026-03-01T10:10:00.000Z' });
    expect(approvals.approveUrlOf(a.id)).toBe('https://callgate.example.com/approvals/ap-1');
    expect((await approvals.requestApproval(request, 'd-2')).id).toBe('ap-1');
    expect(events.map((e) => [e.kind, e.decisionId])).toEqual([['requested', 'd-1']]);
  });

  it('refuses the requester, the user an agent acts for, and non-members', async () => {
    const { id } = await approvals.requestApproval(request, 'd');
    expect(await approvals.decide(id, { principal: { type: 'Agent', id: 'research-agent' }, groups: [{ type: 'Group', id: 'oncall' }] }, 'approve', '')).toMatchObject({ kind: 'refused', code: 'ERR_APPROVAL_SELF' });
    expect(await approvals.decide(id, user('bob', 'oncall'), 'approve', '')).toMatchObject({ kind: 'refused', code: 'ERR_APPROVAL_SELF' });
    expect(await approvals.decide(id, user('dave', 'engineering'), 'approve', '')).toMatchObject({ kind: 'refused', code: 'ERR_APPROVAL_NOT_MEMBER' });
    expect(await approvals.decide('nope', user('carol', 'oncall'), 'approve', '')).toMatchObject({ kind: 'refused', code: 'ERR_APPROVAL_NOT_FOUND' });
    expect(events.map((e) => e.kind)).toEqual(['requested']);
  });

  it('accepts members through nested groups: a token group, or the approver entity itself, inside the named group', async () => {
    const first = await approvals.requestApproval(request, 'd');
    expect(await approvals.decide(first.id, user('frank', 'sre'), 'approve', 'nested via token group')).toMatchObject({ kind: 'decided', approval: { status: 'approved', decidedBy: { type: 'User', id: 'frank' } } });
    const second = await approvals.requestApproval({ ...request, fingerprint: 'fp-2' }, 'd');
    expect(await approvals.decide(second.id, user('erin'), 'reject', 'nested via entities.json')).toMatchObject({ kind: 'decided', approval: { status: 'rejected', reason: 'nested via entities.json' } });
    expect(events.map((e) => e.kind)).toEqual(['requested', 'approved', 'requested', 'rejected']);
  });

  it('refuses to decide twice or after the expiry', async () => {
    const a = await approvals.requestApproval(request, 'd');
    await approvals.decide(a.id, user('carol', 'oncall'), 'approve', 'ok');
    expect(await approvals.decide(a.id, user('carol', 'oncall'), 'reject', 'no')).toMatchObject({ kind: 'refused', code: 'ERR_APPROVAL_NOT_PENDING' });
    const b = await approvals.requestApproval({ ...request, fingerprint: 'fp-3' }, 'd');
    now = new Date(T0.getTime() + 600_000);
    expect(await approvals.decide(b.id, user('carol', 'oncall'), 'approve', 'late')).toMatchObject({ kind: 'refused', code: 'ERR_APPROVAL_EXPIRED' });
    expect(await approvals.get(b.id)).toMatchObject({ status: 'expired' });
    expect(await approvals.get(a.id)).toMatchObject({ status: 'expired' }); // approved, never used
    expect(await approvals.listPending()).toEqual([]);
  });

  it('consumes an approved approval once and records who used it', async () => {
    const a = await approvals.requestApproval(request, 'd-1');
    expect(await approvals.consumeApproval(a, 'd-2')).toBe(false);
    await approvals.decide(a.id, user('carol', 'oncall'), 'approve', 'ok');
    expect(await approvals.consumeApproval(a, 'd-3')).toBe(true);
    expect(await approvals.consumeApproval(a, 'd-4')).toBe(false);
    expect(events.filter((e) => e.kind === 'consumed').map((e) => e.decisionId)).toEqual(['d-3']);
  });
});

describe('membership helpers', () => {
  it('parses the Cedar uid an @approval names', () => {
    expect(parseEntityUid('Group::"oncall"')).toEqual({ type: 'Group', id: 'oncall' });
    expect(parseEntityUid('Acme::Team::"a \\"b\\""')).toEqual({ type: 'Acme::Team', id: 'a "b"' });
    expect(parseEntityUid('oncall')).toBeUndefined();
  });

  it('is a member only through the group itself or its descendants', () => {
    const oncall = { type: 'Group', id: 'oncall' };
    const anc = (k: string) => ANCESTORS[k] ?? [];
    expect(isMemberOf(oncall, { type: 'User', id: 'x' }, [oncall], anc)).toBe(true);
    expect(isMemberOf(oncall, { type: 'User', id: 'x' }, [{ type: 'Group', id: 'sre' }], anc)).toBe(true);
    expect(isMemberOf({ type: 'Group', id: 'sre' }, { type: 'User', id: 'x' }, [oncall], anc)).toBe(false);
    expect(isMemberOf(oncall, { type: 'User', id: 'x' }, [{ type: 'Group', id: 'Oncall' }], anc)).toBe(false);
  });
});
