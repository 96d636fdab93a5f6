/**
 * Approvals as people meet them, end to end: a service calls a destructive HTTP JSON function through the
 * Envoy emulation (envoy/sidecar.yaml) → callgate (real gRPC, real SQLite approval store) answers 403 with
 * the approve_url and notifies the webhook → an on-call approver opens the approve_url in real headless
 * Chromium, signs in at a real oidc-provider (code + PKCE), sees the call with its input masked and inert,
 * approves → the service's retry reaches the function once → a second retry is denied again.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startApp, type RunningApp } from '../support/app-harness';
import { startUpstream, type Upstream } from '../support/upstream';
import { startEnvoyEmulator, emulatorOptionsFromEnvoyConfig, simulatedJwtAuthn, verifiedClaimsHeader, type EnvoyEmulator } from '../support/envoy-emulator';
import { freePort, startLoginProvider, type LoginProvider } from '../support/oidc/login-provider-process';
import { launchChromium, signInAtDevProvider } from '../support/browser';

const root = path.join(__dirname, '../..');
const billingJob = { iss: 'https://idp.example.com', sub: 'billing-job', azp: 'billing-job', groups: ['ops-bots'] };
const PAN = '4111 1111 1111 1111';
const XSS = '<img src=x onerror="window.__xss=1">';

describe('approval through the approver page in Chromium', () => {
  let idp: LoginProvider;
  let callgate: RunningApp;
  let upstream: Upstream;
  let envoy: EnvoyEmulator;
  let browser: Browser;
  let hook: http.Server;
  let dataDir: string;
  const notifications: Record<string, unknown>[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'callgate-approvals-page-'));
    hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        notifications.push(JSON.parse(body) as Record<string, unknown>);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    idp = await startLoginProvider();
    const port = await freePort();
    await idp.setRedirectUri(`http://127.0.0.1:${port}/approvals/callback`);
    callgate = await startApp({
      policies: path.join(root, 'test/fixtures/approvals/http-bundle'),
      'listen.http': `127.0.0.1:${port}`,
      'identity.issuers': JSON.stringify([{ issuer: idp.issuer, audiences: ['https://api.callgate.test'] }]),
      'approvals.store': `sqlite:${path.join(dataDir, 'approvals.db')}`,
      'approvals.notify.url': `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
      'approvals.page.client_id': 'approver-page',
      'approvals.page.client_secret': 'approver-page-secret',
      'approvals.page.redirect_uri': `http://127.0.0.1:${port}/approvals/callback`,
    });
    upstream = await startUpstream();
    const options = emulatorOptionsFromEnvoyConfig(path.join(root, 'envoy/sidecar.yaml'), { authzAddress: callgate.grpc, upstream: upstream.url });
    envoy = await startEnvoyEmulator({
      ...options,
      timeoutMs: 5000,
      metadataContext: simulatedJwtAuthn,
    });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await envoy?.close();
    await upstream?.close();
    await callgate?.close();
    await idp?.stop();
    await new Promise((resolve) => hook?.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });

  const deleteOrder = (): Promise<Response> =>
    fetch(`${envoy.url}/functions/orders.delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...verifiedClaimsHeader(billingJob) },
      body: JSON.stringify({ orderId: 'o-42', note: `card ${PAN} ${XSS}` }),
    });

  it('403 with approve_url → approved in the page → one successful retry → the next retry is denied', async () => {
    const first = await deleteOrder();
    expect(first.status).toBe(403);
    const pending = (await first.json()) as Record<string, string>;
    expect(pending).toMatchObject({ error: 'approval_required', approval_id: expect.any(String), expires_at: expect.any(String) });
    const id = pending.approval_id!;
    expect(pending.approve_url).toBe(`http://${callgate.http}/approvals/${id}`);
    expect(upstream.received).toHaveLength(0);

    // the webhook heard about it, with the same link and the input masked
    for (let i = 0; i < 100 && notifications.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(notifications[0]).toMatchObject({ kind: 'approval_requested', approval_id: id, function: 'orders.delete', principal: 'Service::"billing-job"', approve_url: pending.approve_url });
    expect(JSON.stringify(notifications[0])).not.toContain(PAN);

    // an on-call approver follows the link, signs in, reviews and approves
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('dialog', () => {
      throw new Error('a dialog opened: script ran');
    });
    await page.goto(pending.approve_url!);
    await signInAtDevProvider(page, 'alice', `http://${callgate.http}/approvals`);
    expect(new URL(page.url()).pathname).toBe(`/approvals/${id}`);
    expect(await page.textContent('#status')).toBe('pending');
    const input = (await page.textContent('#input')) ?? '';
    expect(input).toContain('o-42');
    expect(input).not.toContain(PAN);
    expect(await page.locator('#input img').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    await page.fill('#approve-form textarea[name="reason"]', 'customer asked for deletion');
    await page.click('#approve');
    await page.waitForURL(pending.approve_url!);
    expect(await page.textContent('#status')).toBe('approved');
    expect(await page.textContent('#decided-by')).toContain('User::"alice"');
    await context.close();

    // the retry of the same call passes, once
    const retry = await deleteOrder();
    expect(retry.status).toBe(200);
    expect(upstream.received).toHaveLength(1);
    expect(callgate.audit.find((r) => r.decision === 'allow')).toMatchObject({ approval_id: id, approver: 'User::"alice"' });

    const again = await deleteOrder();
    expect(again.status).toBe(403);
    const next = (await again.json()) as Record<string, string>;
    expect(next.error).toBe('approval_required');
    expect(next.approval_id).not.toBe(id);
    expect(upstream.received).toHaveLength(1);

    expect(callgate.approvalEvents.filter((e) => e.approval_id === id).map((e) => e.event)).toEqual(['approval.requested', 'approval.approved', 'approval.consumed']);
  });
});
