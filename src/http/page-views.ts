/**
 * The approver page's HTML (server-rendered, no scripts): the pending list, one call's details with its
 * masked input, approve / reject forms carrying the CSRF token, and messages. Every value is escaped by
 * `html`; the only style block carries the response's CSP nonce.
 */
import { formatEntity } from '../approvals/notification-payload';
import type { Approval } from '../approvals/types';
import { html, type SafeHtml } from './html';

export interface ViewContext {
  readonly styleNonce: string;
  /** The logged-in approver's display name. */
  readonly who?: string;
  readonly csrfToken?: string;
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
pre{background:#f5f5f5;padding:1rem;overflow:auto;white-space:pre-wrap;word-break:break-all}
.status{font-weight:bold}.error{background:#fde8e8;border:1px solid #e0a0a0;padding:.8rem}.ok{background:#e8f5e8;border:1px solid #a0d0a0;padding:.8rem}
form.inline{display:inline}textarea{width:100%;min-height:4rem}header{display:flex;justify-content:space-between;align-items:center}`;

export function renderLayout(title: string, body: SafeHtml, ctx: ViewContext): string {
  const account =
    ctx.who === undefined || ctx.csrfToken === undefined
      ? html``
      : html`<form class="inline" method="post" action="/approvals/logout"><input type="hidden" name="_csrf" value="${ctx.csrfToken}"><span>Signed in as <b id="who">${ctx.who}</b></span> <button type="submit">Sign out</button></form>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · callgate approvals</title><style nonce="${ctx.styleNonce}">${STYLE}</style></head>
<body><header><h1><a href="/approvals">callgate approvals</a></h1>${account}</header>
<main>${body}</main></body></html>`.text;
}

function caller(a: Approval): string {
  return a.onBehalfOf === undefined ? formatEntity(a.principal) : `${formatEntity(a.principal)} for ${formatEntity(a.onBehalfOf)}`;
}

export function renderPendingList(pending: readonly Approval[], ctx: ViewContext): string {
  const rows = pending.map(
    (a) =>
      html`<tr><td><a href="/approvals/${a.id}">${a.function}</a></td><td>${a.server}</td><td>${caller(a)}</td><td>${formatEntity(a.approverGroup)}</td><td>${a.expiresAt}</td></tr>`,
  );
  const body =
    pending.length === 0
      ? html`<h2>Pending approvals</h2><p id="empty">No call is waiting for approval.</p>`
      : html`<h2>Pending approvals</h2><table id="pending"><thead><tr><th>Function</th><th>Server</th><th>Caller</th><th>Approvers</th><th>Expires</th></tr></thead><tbody>${rows}</tbody></table>`;
  return renderLayout('Pending approvals', body, ctx);
}

export interface DetailOptions {
  readonly notice?: { readonly kind: 'ok' | 'error'; readonly text: string };
}

export function renderDetail(a: Approval, ctx: ViewContext, options: DetailOptions = {}): string {
  const notice = options.notice === undefined ? html`` : html`<p id="notice" class="${options.notice.kind}">${options.notice.text}</p>`;
  const decided =
    a.decidedBy === undefined
      ? html``
      : html`<tr><th>Decided by</th><td id="decided-by">${formatEntity(a.decidedBy)} at ${a.decidedAt ?? ''}</td></tr><tr><th>Reason</th><td id="reason">${a.reason ?? ''}</td></tr>`;
  const forms =
    a.status !== 'pending' || ctx.csrfToken === undefined
      ? html``
      : html`<h3>Decide</h3>
<form id="approve-form" method="post" action="/approvals/${a.id}/approve"><input type="hidden" name="_csrf" value="${ctx.csrfToken}">
<label>Reason (optional)<textarea name="reason" maxlength="1000"></textarea></label><button type="submit" id="approve">Approve this call once</button></form>
<form id="reject-form" method="post" action="/approvals/${a.id}/reject"><input type="hidden" name="_csrf" value="${ctx.csrfToken}">
<label>Reason (required)<textarea name="reason" maxlength="1000" required></textarea></label><button type="submit" id="reject">Reject</button></form>`;
  const body = html`${notice}<h2>Call to <code>${a.function}</code></h2>
<table>
<tr><th>Status</th><td id="status" class="status">${a.status}</td></tr>
<tr><th>Function</th><td>${a.function}</td></tr><tr><th>Server</th><td>${a.server}</td></tr>
<tr><th>Caller</th><td>${caller(a)}</td></tr><tr><th>Approvers</th><td>${formatEntity(a.approverGroup)}</td></tr>
<tr><th>Policy</th><td>${a.policyId}</td></tr><tr><th>Requested</th><td>${a.createdAt}</td></tr><tr><th>Expires</th><td>${a.expiresAt}</td></tr>
${decided}
</table>
<h3>Input (masked)</h3><pre id="input">${JSON.stringify(a.maskedInput, null, 2) ?? 'null'}</pre>
${forms}`;
  return renderLayout(`Approval ${a.id}`, body, ctx);
}

export function renderMessage(title: string, text: string, ctx: ViewContext): string {
  return renderLayout(title, html`<h2>${title}</h2><p id="message" class="error">${text}</p><p><a href="/approvals">Back to pending approvals</a></p>`, ctx);
}
