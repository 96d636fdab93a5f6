/**
 * Issue #6 "Done when", tried as a new user would, with the example bundle in policies/ unchanged: its
 * `non-interactive-needs-approval` policy (guardrails.cedar) from the first denial through the approver
 * page to the single successful retry, with every step in the audit trail.
 *
 * A service calls the destructive MCP tool `delete_repo` through the Envoy emulation configured from
 * envoy/sidecar.yaml → callgate (real gRPC) answers an `isError` tool result with approval_id and
 * approve_url (a 2025-11-25 client: the -32042 URL elicitation, same approval, same URL) → at the
 * approve_url, in real headless Chromium after a login at a real oidc-provider, mallory (not on call) is
 * refused and alice (Group::"oncall" from her token's groups) approves → the retry reaches the tool once →
 * the next retry needs a new approval → the signed audit file holds, in order and joined by approval and
 * decision ids, the denied decision, requested, approved, the allowed decision, consumed (each approval
 * event just before the decision record of the Check that caused it) → `callgate audit verify` accepts it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startApp, type RunningApp } from '../support/app-harness';
import { startUpstream, type Upstream } from '../support/upstream';
import { startEnvoyEmulator, emulatorOptionsFromEnvoyConfig, simulatedJwtAuthn, verifiedClaimsHeader, type EnvoyEmulator } from '../support/envoy-emulator';
import { freePort, startLoginProvider, type LoginProvider } from '../support/oidc/login-provider-process';
import { launchChromium, signInAtDevProvider } from '../support/browser';
import { writeKeyPair } from '../support/audit-files';
import { isChainedLine } from '../../src/audit/hash-chain';

const root = path.join(__dirname, '../..');
// A non-interactive caller: a service account (azp = sub), no user in the token.
const deployBot = { iss: 'https://idp.example.com', sub: 'deploy-bot', azp: 'deploy-bot', groups: ['platform-admins'] };
const ARGS = { repo: 'acme/web' };

interface ToolRpc {
  readonly result?: { readonly isError?: boolean; readonly structuredContent?: Record<string, string>; readonly content?: { type: string; text: string }[] };
  readonly error?: { readonly code: number; readonly message: string; readonly data?: Record<string, unknown> };
}

type TrailRecord = Record<string, unknown>;

describe('example bundle: a service needs an on-call approval for a destructive MCP tool (approver page, audit file)', () => {
  let dir: string;
  let auditFile: string;
  let keys: { privateKey: string; publicKey: string };
  let idp: LoginProvider;
  let callgate: RunningApp;
  let upstream: Upstream;
  let envoy: EnvoyEmulator;
  let browser: Browser;
  let callgateClosed = false;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'callgate-approvals-example-'));
    auditFile = path.join(dir, 'audit.jsonl');
    keys = writeKeyPair(dir);
    idp = await startLoginProvider();
    const port = await freePort();
    await idp.setRedirectUri(`http://127.0.0.1:${port}/approvals/callback`);
    callgate = await startApp(
      {
        policies: path.join(root, 'policies'),
        'listen.http': `127.0.0.1:${port}`,
        'identity.issuers': JSON.stringify([{ issuer: idp.issuer, audiences: ['https://api.callgate.test'] }]),
        'approvals.store': `sqlite:${path.join(dir, 'approvals.db')}`,
        'approvals.page.client_id': 'approver-page',
        'approvals.page.client_secret': 'approver-page-secret',
        'approvals.page.redirect_uri': `http://127.0.0.1:${port}/approvals/callback`,
        'audit.sink': 'file',
        'audit.file': auditFile,
        'audit.signing_key': keys.privateKey,
        'audit.checkpoint.every_records': '4',
      },
      { alsoConfiguredAudit: true },
    );
    upstream = await startUpstream();
    const options = emulatorOptionsFromEnvoyConfig(path.join(root, 'envoy/sidecar.yaml'), { authzAddress: callgate.grpc, upstream: upstream.url });
    envoy = await startEnvoyEmulator({ ...options, timeoutMs: 5000, metadataContext: simulatedJwtAuthn });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await envoy?.close();
    await upstream?.close();
    if (!callgateClosed) await callgate?.close();
    await idp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  let rpcId = 0;
  async function deleteRepo(version: string): Promise<{ status: number; rpc: ToolRpc }> {
    rpcId += 1;
    const res = await fetch(`${envoy.url}/mcp`, {
      method: 'POST',
      body: JSON.stringify({ jsonrpc: '2.0', id: rpcId, method: 'tools/call', params: { name: 'delete_repo', arguments: ARGS } }),
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': version, ...verifiedClaimsHeader(deployBot) },
    });
    return { status: res.status, rpc: (await res.json()) as ToolRpc };
  }

  /** The approval an `isError` tool result asks for (the caller-facing shape of issue #6). */
  function approvalAskedIn(answer: { status: number; rpc: ToolRpc }): Record<string, string> {
    expect(answer.status).toBe(200);
    expect(answer.rpc.result?.isError).toBe(true);
    const data = answer.rpc.result?.structuredContent ?? {};
    expect(data).toMatchObject({ error: 'approval_required', approval_id: expect.any(String), approve_url: expect.any(String), expires_at: expect.any(String) });
    expect(answer.rpc.result?.content?.[0]?.text).toContain(data.approve_url);
    return data;
  }

  it('first denial → approver page → one successful retry → a new approval for the next; every step in the verified audit file', async () => {
    // 1. the service's destructive call is held: an isError tool result with the approval to ask for
    const first = approvalAskedIn(await deleteRepo('2025-06-18'));
    const id = first.approval_id!;
    const approveUrl = first.approve_url!;
    expect(approveUrl).toBe(`http://${callgate.http}/approvals/${id}`);
    expect(upstream.received).toHaveLength(0);

    // 2. the same call from a 2025-11-25 client: the -32042 URL elicitation for the same approval and URL
    const elicited = await deleteRepo('2025-11-25');
    expect(elicited.status).toBe(200);
    expect(elicited.rpc.error?.code).toBe(-32042);
    expect(elicited.rpc.error?.data).toMatchObject({ error: 'approval_required', approval_id: id, approve_url: approveUrl });
    expect(elicited.rpc.error?.data?.elicitations).toEqual([{ mode: 'url', elicitationId: id, url: approveUrl, message: elicited.rpc.error?.message }]);
    expect(upstream.received).toHaveLength(0);

    // 3a. mallory (not on call: her token's groups are ["dev"]) signs in at the same link: refused, still pending
    const outsider = await browser.newContext();
    try {
      const page = await outsider.newPage();
      await page.goto(approveUrl);
      await signInAtDevProvider(page, 'mallory', `http://${callgate.http}/approvals`);
      await page.fill('#approve-form textarea[name="reason"]', 'looks fine to me');
      await page.click('#approve');
      expect(await page.textContent('#notice')).toContain('not a member');
      expect(await page.textContent('#status')).toBe('pending');
    } finally {
      await outsider.close();
    }

    // 3b. alice (on call, per her token's groups) follows the link, signs in, reviews the call and approves
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(approveUrl);
      await signInAtDevProvider(page, 'alice', `http://${callgate.http}/approvals`);
      expect(new URL(page.url()).pathname).toBe(`/approvals/${id}`);
      expect(await page.textContent('#status')).toBe('pending');
      expect(await page.textContent('#input')).toContain('acme/web');
      await page.fill('#approve-form textarea[name="reason"]', 'planned cleanup of the old web repo');
      await page.click('#approve');
      await page.waitForURL(approveUrl);
      expect(await page.textContent('#status')).toBe('approved');
      expect(await page.textContent('#decided-by')).toContain('User::"alice"');
    } finally {
      await context.close();
    }

    // 4. the retry reaches the tool, exactly once
    const retry = await deleteRepo('2025-06-18');
    expect(retry.status).toBe(200);
    expect(retry.rpc).toEqual({ ok: true, function: '/mcp' });
    expect(upstream.received).toHaveLength(1);
    expect(JSON.parse(upstream.received[0]!.body)).toMatchObject({ method: 'tools/call', params: { name: 'delete_repo', arguments: ARGS } });
    const allowedId = upstream.received[0]!.headers['x-callgate-decision-id'];
    expect(allowedId).toEqual(expect.any(String));

    // 5. the next retry needs a new approval; the tool is not reached again
    const again = approvalAskedIn(await deleteRepo('2025-06-18'));
    expect(again.approval_id).not.toBe(id);
    expect(upstream.received).toHaveLength(1);

    // 6. the audit file (closed: its last checkpoint written) holds every step, in order
    callgateClosed = true;
    await callgate.close();
    const lines = readFileSync(auditFile, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as unknown);
    const records = lines.filter(isChainedLine).map((l) => l.record as TrailRecord);
    const steps = records.filter((r) => r.approval_id === id);
    // An approval event precedes the decision record of the Check that caused it: the approval is created
    // (or atomically consumed) during the Check; its decision record is written as the Check answers.
    expect(steps.map((r) => r.event ?? `decision.${String(r.decision)}`)).toEqual([
      'approval.requested',
      'decision.deny',
      'decision.deny',
      'approval.approved',
      'approval.consumed',
      'decision.allow',
    ]);
    const [requested, denied, elicitedDenial, approved, consumed, allowed] = steps as [TrailRecord, TrailRecord, TrailRecord, TrailRecord, TrailRecord, TrailRecord];
    expect(denied).toMatchObject({ decision: 'deny', reason: 'ERR_APPROVAL_REQUIRED', principal: 'Service::"deploy-bot"', approval_group: 'Group::"oncall"' });
    expect(requested).toMatchObject({ decision_id: denied.decision_id, principal: 'Service::"deploy-bot"', function: 'delete_repo', server: 'tools', policy_id: 'non-interactive-needs-approval', approver_group: 'Group::"oncall"', status: 'pending' });
    expect(elicitedDenial).toMatchObject({ decision: 'deny', reason: 'ERR_APPROVAL_REQUIRED' });
    expect(approved).toMatchObject({ status: 'approved', decided_by: 'User::"alice"', reason: 'planned cleanup of the old web repo', decision_id: null });
    expect(allowed).toMatchObject({ decision_id: allowedId, decision: 'allow', approver: 'User::"alice"', deciding_policies: ['tools-destructive-admins'] });
    expect(consumed).toMatchObject({ decision_id: allowedId, status: 'consumed', decided_by: 'User::"alice"' });
    // the next retry's denial asks for the new approval, not the consumed one
    expect(records.filter((r) => r.approval_id === again.approval_id).map((r) => r.event ?? `decision.${String(r.decision)}`)).toEqual(['approval.requested', 'decision.deny']);
    expect(records.at(-1)).toMatchObject({ decision: 'deny', approval_id: again.approval_id });
    // what the harness kept in memory is the same trail
    expect(records.filter((r) => r.event === undefined).map((r) => r.decision_id)).toEqual(callgate.audit.map((r) => r.decision_id));

    // 7. `callgate audit verify` accepts the file, checkpoints signed by the configured key
    const bin = path.join(root, 'bin/callgate.js');
    if (!existsSync(path.join(root, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
    const verify = spawnSync(process.execPath, [bin, 'audit', 'verify', auditFile, '--public-key', keys.publicKey], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(new RegExp(`^ok: ${records.length} records, [1-9]\\d* checkpoints, chain intact, signatures valid`, 'm'));
  }, 60_000);
});
