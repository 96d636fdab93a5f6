import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parseDecisionBody, routeApi } from '../../../src/http/approvals-api';
import { routePage, safeReturnTo } from '../../../src/http/approvals-page';
import { html } from '../../../src/http/html';
import { contentSecurityPolicy } from '../../../src/http/http-io';
import { renderDetail, renderPendingList } from '../../../src/http/page-views';
import { loadConfig } from '../../../src/config/load-config';
import type { Approval } from '../../../src/approvals/types';

const approval = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/approvals/pending-approval.json'), 'utf8')) as Approval;
const ctx = { styleNonce: 'n0nce', who: 'Alice', csrfToken: 'tok-123' };

describe('approvals API routing and decision bodies', () => {
  it('routes each endpoint, refuses other methods and odd paths', () => {
    expect(routeApi('GET', '/approvals/api/pending')).toEqual({ kind: 'pending' });
    expect(routeApi('GET', '/approvals/api/apr_1')).toEqual({ kind: 'get', id: 'apr_1' });
    expect(routeApi('POST', '/approvals/api/apr_1/approve')).toEqual({ kind: 'decide', id: 'apr_1', verdict: 'approve' });
    expect(routeApi('POST', '/approvals/api/apr_1/reject')).toEqual({ kind: 'decide', id: 'apr_1', verdict: 'reject' });
    expect(routeApi('POST', '/approvals/api/pending')).toMatchObject({ kind: 'method_not_allowed', allow: 'GET' });
    expect(routeApi('GET', '/approvals/api/apr_1/approve')).toMatchObject({ kind: 'method_not_allowed', allow: 'POST' });
    for (const p of ['/approvals/api/', '/approvals/api/a%2Fb', '/approvals/api/apr_1/delete', '/approvals/api/apr_1/approve/x', `/approvals/api/${'a'.repeat(129)}`]) {
      expect(routeApi('GET', p)).toEqual({ kind: 'not_found' });
    }
  });

  it('reads {"reason"} strictly; reject needs one', () => {
    expect(parseDecisionBody('', 'approve')).toEqual({ kind: 'ok', reason: '' });
    expect(parseDecisionBody('{"reason":"  ok  "}', 'reject')).toEqual({ kind: 'ok', reason: 'ok' });
    expect(parseDecisionBody('{}', 'reject')).toMatchObject({ kind: 'invalid', code: 'ERR_APPROVAL_REASON_REQUIRED' });
    expect(parseDecisionBody('{"reason":null}', 'approve')).toMatchObject({ kind: 'invalid', code: 'ERR_APPROVAL_INVALID_REQUEST' });
    expect(parseDecisionBody('"x"', 'approve')).toMatchObject({ kind: 'invalid', code: 'ERR_APPROVAL_INVALID_REQUEST' });
    expect(parseDecisionBody('{"reason":"a","verdict":"approve"}', 'approve')).toMatchObject({ kind: 'invalid', code: 'ERR_APPROVAL_INVALID_REQUEST' });
  });
});

describe('approver page routing', () => {
  it('routes pages and forms', () => {
    expect(routePage('GET', '/approvals')).toEqual({ kind: 'list' });
    expect(routePage('HEAD', '/approvals/')).toEqual({ kind: 'list' });
    expect(routePage('GET', '/approvals/apr_1')).toEqual({ kind: 'detail', id: 'apr_1' });
    expect(routePage('POST', '/approvals/apr_1/approve')).toEqual({ kind: 'decide', id: 'apr_1', verdict: 'approve' });
    expect(routePage('GET', '/approvals/login')).toEqual({ kind: 'login' });
    expect(routePage('GET', '/approvals/callback')).toEqual({ kind: 'callback' });
    expect(routePage('POST', '/approvals/logout')).toEqual({ kind: 'logout' });
    expect(routePage('GET', '/approvals/logout')).toEqual({ kind: 'method_not_allowed' });
    expect(routePage('GET', '/approvals/apr_1/approve')).toEqual({ kind: 'method_not_allowed' });
    expect(routePage('PUT', '/approvals/apr_1')).toEqual({ kind: 'method_not_allowed' });
    expect(routePage('GET', '/approvals/apr_1/x')).toEqual({ kind: 'not_found' });
    expect(routePage('GET', '/approvals/<x>')).toEqual({ kind: 'not_found' });
  });

  it('returns after login only to page paths on this origin', () => {
    expect(safeReturnTo('/approvals/apr_1')).toBe('/approvals/apr_1');
    expect(safeReturnTo('/approvals')).toBe('/approvals');
    for (const bad of [null, '', '//evil.example/approvals', 'https://evil.example/approvals', '/approvals/../admin', '/approvals/x?y', '/\\evil.example']) {
      expect(safeReturnTo(bad)).toBe('/approvals');
    }
  });
});

describe('approver page HTML', () => {
  it('escapes every interpolated value', () => {
    expect(html`<p>${'<b>"x" & \'y\''}</p>`.text).toBe('<p>&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;</p>');
    expect(html`<div>${[html`<i>${'<'}</i>`]}</div>`.text).toBe('<div><i>&lt;</i></div>');
  });

  it('never lets approval data become markup (property)', () => {
    const text = fc.string({ unit: 'binary', maxLength: 60 });
    fc.assert(
      fc.property(text, text, fc.jsonValue(), (fn, server, input) => {
        const a: Approval = { ...approval, function: `${fn}<x-inject>`, server: `${server}"'><x-inject>`, maskedInput: { v: input, w: '<x-inject>' } };
        for (const page of [renderDetail(a, ctx), renderPendingList([a], ctx)]) {
          expect(page).not.toContain('<x-inject>');
          expect(page).not.toMatch(/<script/i);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('renders decision forms with the CSRF token only while pending', () => {
    const pending = renderDetail(approval, ctx);
    expect(pending.match(/name="_csrf" value="tok-123"/g)).toHaveLength(3); // approve, reject, sign out
    const decided = renderDetail({ ...approval, status: 'approved', decidedBy: { type: 'User', id: 'alice' }, decidedAt: approval.createdAt, reason: 'ok' }, ctx);
    expect(decided).not.toContain('id="approve-form"');
    expect(decided).toContain('User::&quot;alice&quot;');
  });

  it('uses a strict CSP: nothing by default, styles by nonce, no scripts at all', () => {
    const csp = contentSecurityPolicy('abc');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'nonce-abc'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('script-src');
    expect(renderDetail(approval, { styleNonce: 'abc' })).toContain('<style nonce="abc">');
  });
});

describe('approvals.notify and approvals.page config', () => {
  it('has working defaults: no webhook, page login off', () => {
    const config = loadConfig({ flags: {} });
    expect(config.approvals.notify).toMatchObject({ url: '', format: 'json', max_attempts: 5 });
    expect(config.approvals.page).toMatchObject({ client_id: '', scopes: ['openid', 'profile', 'email'], session_key: '' });
  });

  it('refuses a page client without redirect_uri, a short session key, an unknown format', () => {
    expect(() => loadConfig({ flags: { 'approvals.page.client_id': 'x' } })).toThrow(/redirect_uri/);
    expect(() => loadConfig({ flags: { 'approvals.page.session_key': 'short' } })).toThrow(/32 characters/);
    expect(() => loadConfig({ flags: { 'approvals.notify.format': 'teams' } })).toThrow(/format/);
    expect(() => loadConfig({ flags: { 'approvals.page.redirect_uri': 'https://callgate.example.com/elsewhere' } })).toThrow(/approvals\/callback/);
    expect(() => loadConfig({ flags: { 'approvals.page.scopes': 'profile,email' } })).toThrow(/openid/);
  });
});
