/**
 * The approver page in real headless Chromium (Debian's, through playwright-core): login through a real
 * oidc-provider (its development login form, authorization code + PKCE), the approve_url showing the call
 * with its masked input as inert text, approving and seeing the status, CSRF refusals, a non-member's
 * refusal, the session cookie's flags and the Content-Security-Policy.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Approval } from '../../../src/approvals/types';
import { createInMemoryApprovals, type InMemoryApprovals } from '../../support/in-memory-approvals';
import { startApprovalsHttp, type ApprovalsHttp } from '../../support/approvals-http-harness';
import { launchChromium, signInAtDevProvider } from '../../support/browser';

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/approvals/pending-approval.json'), 'utf8')) as Approval;
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

describe('approver page in Chromium', () => {
  let service: InMemoryApprovals;
  let http: ApprovalsHttp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    service = createInMemoryApprovals();
    http = await startApprovalsHttp(service);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await http?.close();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  let seq = 0;
  const add = (overrides: Partial<Approval> = {}): Approval => {
    seq += 1;
    const a: Approval = { ...fixture, id: `apr_page_${seq}`, expiresAt: new Date(Date.now() + 3600_000).toISOString(), ...overrides };
    service.add(a);
    return a;
  };
  /** A fresh browser profile signed in as `who`, left on `startPath`. */
  const signedIn = async (who: string, startPath: string): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.on('dialog', () => {
      throw new Error('a dialog opened: script ran');
    });
    await page.goto(`${http.base}${startPath}`);
    await signInAtDevProvider(page, who, `${http.base}/approvals`);
    return { context, page };
  };

  it('an on-call approver opens the approve_url, signs in, sees the masked input as text, approves, and sees the status', async () => {
    const a = add({ maskedInput: { orderId: 'o-42', note: XSS, card: '[REDACTED:pan]' } });
    const { context, page } = await signedIn('alice', `/approvals/${a.id}`);
    expect(new URL(page.url()).pathname).toBe(`/approvals/${a.id}`);
    expect(await page.textContent('#status')).toBe('pending');
    expect(await page.textContent('#who')).toBe('Alice Oncall');
    // the attacker-controlled input is shown, escaped: no element was created and no script ran
    expect(await page.textContent('#input')).toContain('<script>window.__xss=2</script>');
    expect(await page.locator('#input img, #input script').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    // the session cookie: HttpOnly, SameSite=Lax, scoped to /approvals (not Secure over plain http)
    const cookie = (await context.cookies(`${http.base}/approvals/`)).find((c) => c.name === 'callgate_approver');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/approvals', secure: false });

    await page.fill('#approve-form textarea[name="reason"]', 'verified with the requester');
    await page.click('#approve');
    await page.waitForURL(`${http.base}/approvals/${a.id}`);
    expect(await page.textContent('#status')).toBe('approved');
    expect(await page.textContent('#decided-by')).toContain('User::"alice"');
    expect(await page.textContent('#reason')).toBe('verified with the requester');
    expect(await page.locator('#approve').count()).toBe(0);
    expect(service.decisions.at(-1)).toEqual({ id: a.id, approver: 'User::"alice"', verdict: 'approve', reason: 'verified with the requester' });
  });

  it('lists pending approvals with links to each call; answers carry a strict CSP', async () => {
    const a = add({ function: `orders.delete${XSS}` });
    const { page } = await signedIn('olga', '/approvals');
    const response = await page.goto(`${http.base}/approvals`);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toMatch(/script-src/);
    expect(response?.headers()['x-frame-options']).toBe('DENY');
    expect(await page.locator(`#pending a[href="/approvals/${a.id}"]`).count()).toBe(1);
    expect(await page.locator('#pending img, #pending script').count()).toBe(0);
    await page.click(`#pending a[href="/approvals/${a.id}"]`);
    expect(await page.textContent('#status')).toBe('pending');
  });

  it('refuses a POST without the CSRF token, or with a wrong one (403), and the approval stays pending', async () => {
    const a = add();
    const { context, page } = await signedIn('alice', `/approvals/${a.id}`);
    // the browser profile's own cookies, but no token: what a forged cross-site form would send
    const without = await context.request.post(`${http.base}/approvals/${a.id}/approve`, { form: { reason: 'forged' }, maxRedirects: 0 });
    expect(without.status()).toBe(403);
    expect(await without.text()).toContain('CSRF');
    const wrong = await context.request.post(`${http.base}/approvals/${a.id}/approve`, { form: { reason: 'forged', _csrf: 'abc-def' }, maxRedirects: 0 });
    expect(wrong.status()).toBe(403);
    // a token from another session does not work either
    const other = await signedIn('olga', `/approvals/${a.id}`);
    const otherToken = await other.page.getAttribute('#approve-form input[name="_csrf"]', 'value');
    const crossed = await context.request.post(`${http.base}/approvals/${a.id}/approve`, { form: { _csrf: otherToken ?? '' }, maxRedirects: 0 });
    expect(crossed.status()).toBe(403);
    expect((await service.get(a.id))?.status).toBe('pending');
    await page.reload();
    expect(await page.textContent('#status')).toBe('pending');
  });

  it('a POST without a session is refused (401)', async () => {
    const a = add();
    const res = await fetch(`${http.base}/approvals/${a.id}/approve`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'reason=x', redirect: 'manual' });
    expect(res.status).toBe(401);
    expect((await service.get(a.id))?.status).toBe('pending');
  });

  it('a non-member signs in, tries to approve, and sees a refusal; the approval stays pending', async () => {
    const a = add();
    const { page } = await signedIn('mallory', `/approvals/${a.id}`);
    await page.click('#approve');
    expect(await page.textContent('#notice')).toContain('not a member');
    expect(await page.textContent('#status')).toBe('pending');
    expect((await service.get(a.id))?.status).toBe('pending');
  });

  it('reject needs a reason; rejecting with one shows the status', async () => {
    const a = add();
    const { page } = await signedIn('alice', `/approvals/${a.id}`);
    // the textarea is `required`; bypass the browser check to see the server's answer too
    await page.evaluate("document.querySelector('#reject-form textarea').removeAttribute('required')");
    await page.click('#reject');
    expect(await page.textContent('#notice')).toContain('reason is required');
    await page.fill('#reject-form textarea[name="reason"]', 'change freeze');
    await page.click('#reject');
    await page.waitForURL(`${http.base}/approvals/${a.id}`);
    expect(await page.textContent('#status')).toBe('rejected');
  });

  it('signing out ends the session', async () => {
    const a = add();
    const { context, page } = await signedIn('alice', `/approvals/${a.id}`);
    const token = await page.getAttribute('#approve-form input[name="_csrf"]', 'value');
    await page.click('header button[type="submit"]');
    expect(await page.textContent('h2')).toBe('Signed out');
    expect((await context.cookies(`${http.base}/approvals/`)).find((c) => c.name === 'callgate_approver')).toBeUndefined();
    // the form from before the sign-out no longer works
    const late = await context.request.post(`${http.base}/approvals/${a.id}/approve`, { form: { _csrf: token ?? '' }, maxRedirects: 0 });
    expect(late.status()).toBe(401);
    expect((await service.get(a.id))?.status).toBe('pending');
  });
});
