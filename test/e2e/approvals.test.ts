/**
 * Just-in-time approvals end to end: a real HTTP client → the Envoy emulation (envoy/sidecar.yaml) →
 * callgate over real gRPC (the example bundle's `non-interactive-needs-approval` policy) → the upstream.
 * A service calls a destructive MCP tool → pending approval → an on-call approver approves through the
 * ApprovalService → the retry succeeds once → a second retry needs a new approval. Also: changed arguments,
 * self-approval and non-members refused, expiry, the -32042 elicitation for 2025-11-25, and a restart that
 * keeps pending approvals (SQLite file).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, type RunningApp } from '../support/app-harness';
import { startUpstream, type Upstream } from '../support/upstream';
import { startEnvoyEmulator, emulatorOptionsFromEnvoyConfig, simulatedJwtAuthn, verifiedClaimsHeader, type EnvoyEmulator } from '../support/envoy-emulator';
import type { Approvals } from '../../src/approvals/approval-service';
import type { Approver } from '../../src/approvals/types';

const root = path.join(__dirname, '../..');
const deployBot = { iss: 'https://idp.example.com', sub: 'deploy-bot', azp: 'deploy-bot', groups: ['platform-admins'] };
const carol: Approver = { principal: { type: 'User', id: 'carol' }, groups: [{ type: 'Group', id: 'oncall' }] };
const dave: Approver = { principal: { type: 'User', id: 'dave' }, groups: [{ type: 'Group', id: 'engineering' }] };
const botAsApprover: Approver = { principal: { type: 'Service', id: 'deploy-bot' }, groups: [{ type: 'Group', id: 'oncall' }] };

interface ToolResult {
  readonly result?: { readonly isError?: boolean; readonly structuredContent?: Record<string, string>; readonly content?: { type: string; text: string }[] };
  readonly error?: { readonly code: number; readonly message: string; readonly data?: Record<string, unknown> };
}

function asUser(payload: object): Record<string, string> {
  return verifiedClaimsHeader(payload);
}

async function startStack(flags: Record<string, string>, now?: () => Date): Promise<{ callgate: RunningApp; envoy: EnvoyEmulator; upstream: Upstream; close(): Promise<void> }> {
  const callgate = await startApp({ policies: path.join(root, 'policies'), ...flags }, now === undefined ? {} : { now });
  const upstream = await startUpstream();
  const options = emulatorOptionsFromEnvoyConfig(path.join(root, 'envoy/sidecar.yaml'), { authzAddress: callgate.grpc, upstream: upstream.url });
  const envoy = await startEnvoyEmulator({
    ...options,
    timeoutMs: 5000,
    metadataContext: simulatedJwtAuthn,
  });
  return {
    callgate,
    envoy,
    upstream,
    close: async () => {
      await envoy.close();
      await upstream.close();
      await callgate.close();
    },
  };
}

let rpcId = 0;
function callTool(envoy: EnvoyEmulator, name: string, args: object, version = '2025-06-18', who: object = deployBot): Promise<Response> {
  rpcId += 1;
  const body = JSON.stringify({ jsonrpc: '2.0', id: rpcId, method: 'tools/call', params: { name, arguments: args } });
  return fetch(`${envoy.url}/mcp`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': version, ...asUser(who) },
  });
}

async function pendingApprovalOf(res: Response): Promise<Record<string, string>> {
  expect(res.status).toBe(200);
  const rpc = (await res.json()) as ToolResult;
  expect(rpc.result?.isError).toBe(true);
  const data = rpc.result?.structuredContent ?? {};
  expect(data).toMatchObject({ error: 'approval_required', code: 'ERR_APPROVAL_REQUIRED', approval_id: expect.any(String), expires_at: expect.any(String) });
  expect(rpc.result?.content?.[0]?.text).toContain(data.approve_url);
  return data;
}

function service(app: RunningApp): Approvals {
  const s = app.app.approvals();
  if (s === undefined) throw new Error('approvals not started');
  return s;
}

// engine.workers 1: the approvals step also follows decisions evaluated on the policy worker pool.
describe.each(['0', '1'])('approvals through the Envoy emulation (engine.workers %s)', (workers) => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  beforeAll(async () => {
    stack = await startStack({ 'engine.workers': workers });
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    stack.upstream.received.length = 0;
  });

  it('holds a destructive call from a service for approval, lets the approved retry through once, then asks again', async () => {
    const { envoy, upstream, callgate } = stack;
    const first = await pendingApprovalOf(await callTool(envoy, 'delete_repo', { repo: 'acme/web' }));
    const id = first.approval_id!;
    expect(first.approve_url).toBe(`http://${callgate.http}/approvals/${id}`);
    expect(upstream.received).toHaveLength(0);
    expect(callgate.audit.find((r) => r.decision_id === first.decision_id)).toMatchObject({ decision: 'deny', reason: 'ERR_APPROVAL_REQUIRED', approval_id: id, approval_group: 'Group::"oncall"' });
    expect(callgate.approvalEvents.filter((e) => e.approval_id === id).map((e) => e.event)).toEqual(['approval.requested']);

    // the same call while pending: the same approval
    expect((await pendingApprovalOf(await callTool(envoy, 'delete_repo', { repo: 'acme/web' }))).approval_id).toBe(id);
    const listed = await service(callgate).listPending();
    expect(listed.find((a) => a.id === id)).toMatchObject({ principal: { type: 'Service', id: 'deploy-bot' }, function: 'delete_repo', server: 'tools', policyId: 'non-interactive-needs-approval', approverGroup: { type: 'Group', id: 'oncall' }, maskedInput: { repo: 'acme/web' } });

    expect(await service(callgate).decide(id, dave, 'approve', 'lgtm')).toMatchObject({ kind: 'refused', code: 'ERR_APPROVAL_NOT_MEMBER' });
    expect(await service(callgate).decide(id, botAsApprover, 'approve', 'me')).toMatchObject({ kind: 'refused', code: 'ERR_APPROVAL_SELF' });
    const decided = await service(callgate).decide(id, carol, 'approve', 'planned cleanup');
    expect(decided).toMatchObject({ kind: 'decided', approval: { status: 'approved', decidedBy: carol.principal, reason: 'planned cleanup' } });

    const retry = await callTool(envoy, 'delete_repo', { repo: 'acme/web' });
    expect(retry.status).toBe(200);
    expect(upstream.received).toHaveLength(1);
    const decisionId = upstream.received[0]!.headers['x-callgate-decision-id'];
    expect(envoy.lastDynamicMetadata()).toMatchObject({ decision: 'allow', approvals: [{ id, approver: 'User::"carol"' }] });
    expect(callgate.audit.find((r) => r.decision_id === decisionId)).toMatchObject({ decision: 'allow', approval_id: id, approver: 'User::"carol"', deciding_policies: ['tools-destructive-admins'] });

    const again = await pendingApprovalOf(await callTool(envoy, 'delete_repo', { repo: 'acme/web' }));
    expect(again.approval_id).not.toBe(id);
    expect(upstream.received).toHaveLength(1);
    expect(callgate.approvalEvents.filter((e) => e.approval_id === id).map((e) => e.event)).toEqual(['approval.requested', 'approval.approved', 'approval.consumed']);
    expect(callgate.approvalEvents.find((e) => e.approval_id === id && e.event === 'approval.consumed')).toMatchObject({ decided_by: 'User::"carol"', decision_id: decisionId });
  });

  it('binds an approval to the exact arguments: other arguments need their own approval', async () => {
    const { envoy, upstream, callgate } = stack;
    const web = await pendingApprovalOf(await callTool(envoy, 'run_sql', { query: 'delete from sessions' }));
    await service(callgate).decide(web.approval_id!, carol, 'approve', 'ok');
    const other = await pendingApprovalOf(await callTool(envoy, 'run_sql', { query: 'drop table users' }));
    expect(other.approval_id).not.toBe(web.approval_id);
    expect(upstream.received).toHaveLength(0);
    expect((await callTool(envoy, 'run_sql', { query: 'delete from sessions' })).status).toBe(200);
    expect(upstream.received).toHaveLength(1);
  });

  it('never lets a rejected approval through', async () => {
    const { envoy, upstream, callgate } = stack;
    const pending = await pendingApprovalOf(await callTool(envoy, 'delete_repo', { repo: 'acme/rejected' }));
    expect(await service(callgate).decide(pending.approval_id!, carol, 'reject', 'not during the freeze')).toMatchObject({ kind: 'decided', approval: { status: 'rejected' } });
    expect(await service(callgate).decide(pending.approval_id!, carol, 'approve', 'oops')).toMatchObject({ kind: 'refused', code: 'ERR_APPROVAL_NOT_PENDING' });
    const next = await pendingApprovalOf(await callTool(envoy, 'delete_repo', { repo: 'acme/rejected' }));
    expect(next.approval_id).not.toBe(pending.approval_id);
    expect(upstream.received).toHaveLength(0);
    expect(callgate.approvalEvents.find((e) => e.approval_id === pending.approval_id && e.event === 'approval.rejected')).toMatchObject({ reason: 'not during the freeze' });
  });

  it('gives MCP 2025-11-25 clients the -32042 URL elicitation error', async () => {
    const res = await callTool(stack.envoy, 'delete_repo', { repo: 'acme/elicit' }, '2025-11-25');
    expect(res.status).toBe(200);
    const rpc = (await res.json()) as ToolResult;
    const data = rpc.error?.data as Record<string, unknown> & { elicitations: { mode: string; elicitationId: string; url: string }[] };
    expect(rpc.error?.code).toBe(-32042);
    expect(data).toMatchObject({ error: 'approval_required', approval_id: expect.any(String) });
    expect(data.elicitations).toEqual([{ mode: 'url', elicitationId: data.approval_id, url: data.approve_url, message: rpc.error?.message }]);
  });

  it('counts approvals in /metrics', async () => {
    const text = await (await fetch(`http://${stack.callgate.http}/metrics`)).text();
    expect(text).toMatch(/callgate_approvals_total\{event="requested"\} [1-9]/);
    expect(text).toMatch(/callgate_approvals_total\{event="consumed"\} [1-9]/);
    expect(text).toMatch(/callgate_approval_decision_seconds_count\{verdict="approved"\} [1-9]/);
    expect(text).toMatch(/callgate_approvals_pending \d+/);
  });
});

describe('approval expiry', () => {
  let clock = new Date('2026-03-01T10:00:00.000Z');
  let stack: Awaited<ReturnType<typeof startStack>>;
  beforeAll(async () => {
    stack = await startStack({ 'approvals.ttl_seconds': '60' }, () => clock);
  });
  afterAll(() => stack.close());

  it('refuses to decide an expired approval, never honours an approved one past its expiry, and audits the expiry', async () => {
    const { envoy, upstream, callgate } = stack;
    const late = await pendingApprovalOf(await callTool(envoy, 'delete_repo', { repo: 'acme/late' }));
    const used = await pendingApprovalOf(await callTool(envoy, 'delete_repo', { repo: 'acme/unused' }));
    await service(callgate).decide(used.approval_id!, carol, 'approve', 'ok');
    expect(late.expires_at).toBe('2026-03-01T10:01:00.000Z');
    clock = new Date('2026-03-01T10:01:00.000Z');
    expect(await service(callgate).decide(late.approval_id!, carol, 'approve', 'too late')).toMatchObject({ kind: 'refused', code: 'ERR_APPROVAL_EXPIRED' });
    const retry = await pendingApprovalOf(await callTool(envoy, 'delete_repo', { repo: 'acme/unused' }));
    expect(retry.approval_id).not.toBe(used.approval_id);
    expect(upstream.received).toHaveLength(0);
    expect(await service(callgate).sweepExpired()).toBe(2);
    expect((await service(callgate).get(late.approval_id!))?.status).toBe('expired');
    expect(callgate.approvalEvents.filter((e) => e.event === 'approval.expired').map((e) => e.approval_id).sort()).toEqual([late.approval_id, used.approval_id].sort());
  });
});

describe('approvals across a restart (SQLite file)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'callgate-approvals-e2e-'));
  const store = `sqlite:${path.join(dir, 'approvals.db')}`;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a pending approval, which can be approved and used after the restart', async () => {
    const before = await startStack({ 'approvals.store': store });
    const pending = await pendingApprovalOf(await callTool(before.envoy, 'delete_repo', { repo: 'acme/restart' }));
    await before.close();

    const after = await startStack({ 'approvals.store': store });
    try {
      expect((await service(after.callgate).listPending()).map((a) => a.id)).toContain(pending.approval_id);
      await service(after.callgate).decide(pending.approval_id!, carol, 'approve', 'after restart');
      expect((await callTool(after.envoy, 'delete_repo', { repo: 'acme/restart' })).status).toBe(200);
      expect(after.upstream.received).toHaveLength(1);
    } finally {
      await after.close();
    }
  });
});
