/**
 * The approver REST API on callgate's HTTP port, with bearer tokens from a real oidc-provider on loopback
 * verified by the identity module: listing and reading with the input masked, approve / reject with a
 * reason, and every refusal as a JSON error with its status (401, 403, 404, 409, 410, 400, 405).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Approval } from '../../../src/approvals/types';
import { createInMemoryApprovals, type InMemoryApprovals } from '../../support/in-memory-approvals';
import { startApprovalsHttp, type ApprovalsHttp } from '../../support/approvals-http-harness';

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/approvals/pending-approval.json'), 'utf8')) as Approval;
const inAnHour = (): string => new Date(Date.now() + 3600_000).toISOString();

describe('approvals REST API', () => {
  let service: InMemoryApprovals;
  let http: ApprovalsHttp;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    service = createInMemoryApprovals();
    http = await startApprovalsHttp(service);
    for (const who of ['alice', 'olga', 'mallory']) tokens[who] = await http.idp.userToken(who);
    tokens.agent = await http.idp.userToken('alice', { act_sub: 'triage-bot' });
  }, 30_000);
  afterAll(async () => {
    await http.close();
  });

  let seq = 0;
  const add = (overrides: Partial<Approval> = {}): Approval => {
    seq += 1;
    const a: Approval = { ...fixture, id: `apr_${seq}`, expiresAt: inAnHour(), ...overrides };
    service.add(a);
    return a;
  };
  const call = async (method: string, p: string, options: { token?: string; body?: string; contentType?: string } = {}) => {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const res = await fetch(`${http.base}${p}`, { method, headers, body: options.body });
    return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
  };
  const decide = (id: string, verdict: string, who: string, reason?: string) =>
    call('POST', `/approvals/api/${id}/${verdict}`, { token: tokens[who], body: JSON.stringify(reason === undefined ? {} : { reason }) });

  it('refuses a request without a token (401 with a Bearer challenge)', async () => {
    const res = await call('GET', '/approvals/api/pending');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(res.json).toMatchObject({ code: 'ERR_APPROVAL_UNAUTHENTICATED' });
  });

  it('refuses a token that does not verify (401 with the identity reason code)', async () => {
    const forged = `${tokens.alice?.slice(0, -4)}AAAA`;
    const res = await call('GET', '/approvals/api/pending', { token: forged });
    expect(res.status).toBe(401);
    expect(res.json.code).toMatch(/^ERR_IDENTITY_/);
  });

  it('refuses an agent token: only people approve (403)', async () => {
    const a = add();
    const res = await decide(a.id, 'approve', 'agent');
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ code: 'ERR_APPROVAL_APPROVER_KIND' });
    expect((await service.get(a.id))?.status).toBe('pending');
  });

  it('lists pending approvals and shows one, with the input masked', async () => {
    const a = add();
    const list = await call('GET', '/approvals/api/pending', { token: tokens.mallory });
    expect(list.status).toBe(200);
    const mine = (list.json.approvals as Record<string, unknown>[]).find((x) => x.id === a.id);
    expect(mine).toMatchObject({ function: 'orders.delete', server: 'orders', principal: 'Service::"billing-job"', approver_group: 'Group::"oncall"', status: 'pending' });
    expect(mine?.input).toEqual(fixture.maskedInput);
    const one = await call('GET', `/approvals/api/${a.id}`, { token: tokens.alice });
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id: a.id, input: { card: '[REDACTED:pan]' } });
    expect(one.headers.get('cache-control')).toBe('no-store');
  });

  it('404 for an unknown id, 405 for a wrong method', async () => {
    expect((await call('GET', '/approvals/api/apr_nope', { token: tokens.alice })).json).toMatchObject({ code: 'ERR_APPROVAL_NOT_FOUND' });
    expect((await call('GET', '/approvals/api/apr_nope', { token: tokens.alice })).status).toBe(404);
    expect((await decide('apr_nope', 'approve', 'alice')).status).toBe(404);
    expect((await call('DELETE', '/approvals/api/pending', { token: tokens.alice })).status).toBe(405);
    expect((await call('GET', '/approvals/api/x/approve', { token: tokens.alice })).status).toBe(405);
  });

  it('an on-call approver approves; the caller becomes the approver; a second decision is a 409', async () => {
    const a = add();
    const res = await decide(a.id, 'approve', 'alice', 'checked with the billing team');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: a.id, status: 'approved', decided_by: 'User::"alice"', reason: 'checked with the billing team' });
    expect(service.decisions.at(-1)).toEqual({ id: a.id, approver: 'User::"alice"', verdict: 'approve', reason: 'checked with the billing team' });
    const again = await decide(a.id, 'reject', 'olga', 'too late');
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ error: 'not_pending', code: 'ERR_APPROVAL_NOT_PENDING' });
  });

  it('reject needs a reason (400), then rejects', async () => {
    const a = add();
    for (const reason of [undefined, '', '   ']) {
      const res = await decide(a.id, 'reject', 'alice', reason);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ code: 'ERR_APPROVAL_REASON_REQUIRED' });
    }
    const res = await decide(a.id, 'reject', 'alice', 'not during the freeze');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'rejected', reason: 'not during the freeze' });
  });

  it('a non-member is refused (403) and the approval stays pending', async () => {
    const a = add();
    const res = await decide(a.id, 'approve', 'mallory');
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ code: 'ERR_APPROVAL_NOT_MEMBER' });
    expect((await service.get(a.id))?.status).toBe('pending');
  });

  it('the requester cannot approve their own call, even in the group (403)', async () => {
    const a = add({ principal: { type: 'User', id: 'olga' } });
    const res = await decide(a.id, 'approve', 'olga');
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ code: 'ERR_APPROVAL_SELF' });
  });

  it('an expired approval cannot be decided (410)', async () => {
    const a = add({ expiresAt: new Date(Date.now() - 1000).toISOString() });
    const res = await decide(a.id, 'approve', 'alice');
    expect(res.status).toBe(410);
    expect(res.json).toMatchObject({ code: 'ERR_APPROVAL_EXPIRED' });
  });

  it('malformed decision bodies are 400s', async () => {
    const a = add();
    const post = (body: string, contentType?: string) => call('POST', `/approvals/api/${a.id}/approve`, { token: tokens.alice, body, contentType });
    expect((await post('{not json')).json).toMatchObject({ code: 'ERR_APPROVAL_INVALID_REQUEST' });
    expect((await post('[]')).status).toBe(400);
    expect((await post('{"reason": 5}')).status).toBe(400);
    expect((await post('{"reason": "ok", "approve": true}')).status).toBe(400);
    expect((await post(JSON.stringify({ reason: 'x'.repeat(1001) }))).status).toBe(400);
    expect((await post('reason=ok', 'application/x-www-form-urlencoded')).status).toBe(400);
    expect((await service.get(a.id))?.status).toBe('pending');
  });
});
