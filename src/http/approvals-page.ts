/**
 * The approver page (issue 6 item 3), server-rendered on the HTTP port:
 *   GET  /approvals                 pending list            GET  /approvals/{id}   one call (the approve_url)
 *   POST /approvals/{id}/approve    form: _csrf, reason      POST /approvals/{id}/reject  form: _csrf, reason (required)
 *   GET  /approvals/login           starts the OIDC code + PKCE login   GET /approvals/callback  finishes it
 *   POST /approvals/logout          form: _csrf
 * A visitor without a session is sent to the login and brought back. Every POST needs the session's CSRF
 * token (synchronizer token, `@fastify/csrf`); refusals from the service render with their status
 * (403 not a member / self-approval, 404, 409 not pending, 410 expired).
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import Tokens from '@fastify/csrf';
import { httpStatusOf, reasonOf, type ErrorCode } from '../errors';
import type { Logger } from '../log/logger';
import { formatEntity } from '../approvals/notification-payload';
import type { ApprovalService, DecideVerdict } from '../approvals/types';
import { APPROVAL_ID, checkReason } from './approvals-api';
import { mediaTypeOf, readBody, redirect, sendHtml } from './http-io';
import type { OidcLogin } from './oidc-login';
import type { PageSession, SessionOpener } from './page-session';
import { renderDetail, renderMessage, renderPendingList, type ViewContext } from './page-views';

export interface ApprovalsPageDeps {
  readonly service: ApprovalService;
  /** undefined when approvals.page.client_id is not set: the page then explains that login is off. */
  readonly login: OidcLogin | undefined;
  readonly sessions: SessionOpener;
  readonly log: Logger;
}

type PageRoute =
  | { readonly kind: 'list' }
  | { readonly kind: 'detail'; readonly id: string }
  | { readonly kind: 'decide'; readonly id: string; readonly verdict: DecideVerdict }
  | { readonly kind: 'login' }
  | { readonly kind: 'callback' }
  | { readonly kind: 'logout' }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'method_not_allowed' };

export function routePage(method: string, path: string): PageRoute {
  const get = method === 'GET' || method === 'HEAD';
  const want = (isGet: boolean, route: PageRoute): PageRoute => (isGet === get && (get || method === 'POST') ? route : { kind: 'method_not_allowed' });
  if (path === '/approvals' || path === '/approvals/') return want(true, { kind: 'list' });
  const [id, action, ...rest] = path.slice('/approvals/'.length).split('/');
  if (id === undefined || rest.length > 0) return { kind: 'not_found' };
  if (action === undefined) {
    if (id === 'login') return want(true, { kind: 'login' });
    if (id === 'callback') return want(true, { kind: 'callback' });
    if (id === 'logout') return want(false, { kind: 'logout' });
    return APPROVAL_ID.test(id) ? want(true, { kind: 'detail', id }) : { kind: 'not_found' };
  }
  if (!APPROVAL_ID.test(id) || (action !== 'approve' && action !== 'reject')) return { kind: 'not_found' };
  return want(false, { kind: 'decide', id, verdict: action });
}

/** Where to come back to after login: only page paths, never another origin. */
export function safeReturnTo(value: string | null): string {
  return value !== null && /^\/approvals(\/[A-Za-z0-9_-]{1,128})?$/.test(value) ? value : '/approvals';
}

export function createApprovalsPage(deps: ApprovalsPageDeps): (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void> {
  const csrf = new Tokens({});
  const log = deps.log;

  const contextOf = (session: PageSession): ViewContext => {
    const styleNonce = randomBytes(16).toString('base64');
    if (session.approver === undefined || session.csrfSecret === undefined) return { styleNonce };
    return { styleNonce, who: session.approver.display, csrfToken: csrf.create(session.csrfSecret) };
  };
  const message = (res: http.ServerResponse, status: number, title: string, text: string, ctx: ViewContext): void =>
    sendHtml(res, status, renderMessage(title, text, ctx), ctx.styleNonce);
  const refuse = (res: http.ServerResponse, code: ErrorCode, text: string, ctx: ViewContext): void => message(res, httpStatusOf(code), reasonOf(code), text, ctx);

  const startLogin = async (res: http.ServerResponse, session: PageSession, returnTo: string): Promise<void> => {
    if (deps.login === undefined) {
      return message(res, 503, 'Login is not configured', 'Set approvals.page.client_id, client_secret and redirect_uri to sign approvers in.', contextOf(session));
    }
    const started = await deps.login.start();
    session.login = { state: started.state, nonce: started.nonce, codeVerifier: started.codeVerifier, returnTo };
    await session.save();
    redirect(res, started.url);
  };

  const finishLogin = async (res: http.ServerResponse, session: PageSession, url: URL): Promise<void> => {
    const pending = session.login;
    if (deps.login === undefined || pending === undefined) {
      return refuse(res, 'ERR_APPROVAL_LOGIN_FAILED', 'This login has expired or was not started here. Open the approval link again.', contextOf(session));
    }
    let result;
    try {
      result = await deps.login.finish(url.href, pending);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'approver login failed');
      session.login = undefined;
      await session.save();
      return refuse(res, 'ERR_APPROVAL_LOGIN_FAILED', 'The identity provider did not complete the login.', contextOf(session));
    }
    session.login = undefined;
    if (result.kind === 'refused') {
      await session.save();
      return refuse(res, result.code, result.message, contextOf(session));
    }
    session.approver = { approver: result.approver, display: result.display };
    session.csrfSecret = csrf.secretSync();
    await session.save();
    log.info({ approver: formatEntity(result.approver.principal) }, 'approver signed in');
    redirect(res, pending.returnTo);
  };

  /** The form fields of a POST, once its CSRF token checks out; undefined when the answer was sent. */
  const readForm = async (req: http.IncomingMessage, res: http.ServerResponse, session: PageSession): Promise<URLSearchParams | undefined> => {
    const ctx = contextOf(session);
    if (session.approver === undefined || session.csrfSecret === undefined) {
      refuse(res, 'ERR_APPROVAL_UNAUTHENTICATED', 'Sign in again: your session has ended.', ctx);
      return undefined;
    }
    const body = mediaTypeOf(req) === 'application/x-www-form-urlencoded' ? await readBody(req) : undefined;
    const form = body?.kind === 'ok' ? new URLSearchParams(body.text) : undefined;
    const token = form?.get('_csrf');
    if (form === undefined || token === null || token === undefined || !csrf.verify(session.csrfSecret, token)) {
      log.warn({ approver: formatEntity(session.approver.approver.principal) }, 'approver page POST refused: missing or invalid CSRF token');
      refuse(res, 'ERR_APPROVAL_CSRF', 'This form is not valid any more. Reload the page and try again.', ctx);
      return undefined;
    }
    return form;
  };

  const decide = async (req: http.IncomingMessage, res: http.ServerResponse, session: PageSession, id: string, verdict: DecideVerdict): Promise<void> => {
    const form = await readForm(req, res, session);
    if (form === undefined || session.approver === undefined) return;
    const ctx = contextOf(session);
    const reason = checkReason(form.get('reason') ?? '', verdict);
    const approval = await deps.service.get(id);
    if (approval === undefined) return refuse(res, 'ERR_APPROVAL_NOT_FOUND', 'No approval has this id.', ctx);
    if (reason.kind === 'invalid') {
      return sendHtml(res, httpStatusOf(reason.code), renderDetail(approval, ctx, { notice: { kind: 'error', text: reason.message } }), ctx.styleNonce);
    }
    const result = await deps.service.decide(id, session.approver.approver, verdict, reason.reason);
    if (result.kind === 'refused') {
      log.info({ approval_id: id, approver: formatEntity(session.approver.approver.principal), code: result.code }, 'approval decision refused');
      const current = (await deps.service.get(id)) ?? approval;
      const text = `${reasonOf(result.code)}: ${result.message}`;
      return sendHtml(res, httpStatusOf(result.code), renderDetail(current, ctx, { notice: { kind: 'error', text } }), ctx.styleNonce);
    }
    log.info({ approval_id: id, approver: formatEntity(session.approver.approver.principal), status: result.approval.status }, 'approval decided');
    redirect(res, `/approvals/${id}`);
  };

  return async (req, res, url) => {
    const route = routePage(req.method ?? 'GET', url.pathname);
    const session = await deps.sessions.open(req, res);
    switch (route.kind) {
      case 'not_found':
        return message(res, 404, 'Not found', 'There is no such page.', contextOf(session));
      case 'method_not_allowed':
        return message(res, 405, 'Method not allowed', 'This page does not accept that method.', contextOf(session));
      case 'login':
        return startLogin(res, session, safeReturnTo(url.searchParams.get('return_to')));
      case 'callback':
        return finishLogin(res, session, url);
      case 'logout': {
        const form = await readForm(req, res, session);
        if (form === undefined) return;
        session.destroy();
        return message(res, 200, 'Signed out', 'You have signed out of the approver page.', contextOf(session));
      }
      case 'list':
      case 'detail':
      case 'decide':
        break;
    }
    if (session.approver === undefined) {
      if (route.kind === 'decide') return refuse(res, 'ERR_APPROVAL_UNAUTHENTICATED', 'Sign in again: your session has ended.', contextOf(session));
      return startLogin(res, session, safeReturnTo(url.pathname));
    }
    if (route.kind === 'decide') return decide(req, res, session, route.id, route.verdict);
    const ctx = contextOf(session);
    if (route.kind === 'list') return sendHtml(res, 200, renderPendingList(await deps.service.listPending(), ctx), ctx.styleNonce);
    const approval = await deps.service.get(route.id);
    if (approval === undefined) return refuse(res, 'ERR_APPROVAL_NOT_FOUND', 'No approval has this id.', ctx);
    return sendHtml(res, 200, renderDetail(approval, ctx), ctx.styleNonce);
  };
}
