/**
 * The approver REST API on the HTTP port (issue 6 item 2), authenticated with a Bearer token verified by
 * the identity module (the caller becomes the Approver; people only):
 *   GET  /approvals/api/pending            pending approvals, input masked
 *   GET  /approvals/api/{id}               one approval, input masked
 *   POST /approvals/api/{id}/approve       {"reason": "..."} (optional)
 *   POST /approvals/api/{id}/reject        {"reason": "..."} (required)
 * Errors are JSON `{"error", "code", "message"}` with the status of the code in src/errors.ts: 401 no or
 * bad token, 403 not a member / self-approval / not a person, 404 unknown id, 409 not pending, 410 expired.
 */
import type http from 'node:http';
import { httpStatusOf, type ErrorCode } from '../errors';
import type { Logger } from '../log/logger';
import type { TokenVerifier } from '../identity/token-verifier';
import { formatEntity } from '../approvals/notification-payload';
import type { Approval, ApprovalService, DecideVerdict } from '../approvals/types';
import { approverFromAuthorization } from './approver-identity';
import { mediaTypeOf, readBody, sendJson } from './http-io';

export const API_PREFIX = '/approvals/api/';
/** Approval ids are opaque tokens; anything else is not an approval. */
export const APPROVAL_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** Longest decision reason kept. */
export const MAX_REASON_CHARS = 1000;

export interface ApprovalsApiDeps {
  readonly service: ApprovalService;
  readonly verifier: TokenVerifier | undefined;
  readonly maxTokenBytes: number;
  readonly log: Logger;
}

/** The JSON view of an approval (snake_case, entities in Cedar syntax, input already masked). */
export function approvalView(a: Approval): Record<string, unknown> {
  return {
    id: a.id,
    status: a.status,
    function: a.function,
    server: a.server,
    principal: formatEntity(a.principal),
    ...(a.onBehalfOf === undefined ? {} : { on_behalf_of: formatEntity(a.onBehalfOf) }),
    approver_group: formatEntity(a.approverGroup),
    policy_id: a.policyId,
    input: a.maskedInput,
    created_at: a.createdAt,
    expires_at: a.expiresAt,
    ...(a.decidedBy === undefined ? {} : { decided_by: formatEntity(a.decidedBy), decided_at: a.decidedAt, reason: a.reason }),
    ...(a.consumedAt === undefined ? {} : { consumed_at: a.consumedAt }),
  };
}

export function sendError(res: http.ServerResponse, code: ErrorCode, message: string, extraHeaders: Record<string, string> = {}): void {
  for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
  sendJson(res, httpStatusOf(code), { error: code.replace(/^ERR_APPROVAL_/, '').toLowerCase(), code, message });
}

/** `{"reason": "..."}` → the reason, or why the body is refused. Reject needs a non-blank reason. */
export function parseDecisionBody(text: string, verdict: DecideVerdict): { kind: 'ok'; reason: string } | { kind: 'invalid'; code: ErrorCode; message: string } {
  let body: unknown = {};
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      return { kind: 'invalid', code: 'ERR_APPROVAL_INVALID_REQUEST', message: 'body is not valid JSON' };
    }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { kind: 'invalid', code: 'ERR_APPROVAL_INVALID_REQUEST', message: 'body must be a JSON object' };
  const unknownKeys = Object.keys(body).filter((k) => k !== 'reason');
  if (unknownKeys.length > 0) return { kind: 'invalid', code: 'ERR_APPROVAL_INVALID_REQUEST', message: `unknown field ${JSON.stringify(unknownKeys[0])}` };
  const raw = 'reason' in body ? (body as { reason: unknown }).reason : '';
  if (typeof raw !== 'string') return { kind: 'invalid', code: 'ERR_APPROVAL_INVALID_REQUEST', message: 'reason must be a string' };
  return checkReason(raw, verdict);
}

export function checkReason(raw: string, verdict: DecideVerdict): { kind: 'ok'; reason: string } | { kind: 'invalid'; code: ErrorCode; message: string } {
  const reason = raw.trim();
  if (reason.length > MAX_REASON_CHARS) return { kind: 'invalid', code: 'ERR_APPROVAL_INVALID_REQUEST', message: `reason is longer than ${MAX_REASON_CHARS} characters` };
  if (verdict === 'reject' && reason === '') return { kind: 'invalid', code: 'ERR_APPROVAL_REASON_REQUIRED', message: 'a reason is required to reject' };
  return { kind: 'ok', reason };
}

type ApiRoute =
  | { readonly kind: 'pending' }
  | { readonly kind: 'get'; readonly id: string }
  | { readonly kind: 'decide'; readonly id: string; readonly verdict: DecideVerdict }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'method_not_allowed'; readonly allow: string };

export function routeApi(method: string, path: string): ApiRoute {
  const parts = path.slice(API_PREFIX.length).split('/');
  const [first, second, ...rest] = parts;
  if (first === undefined || rest.length > 0) return { kind: 'not_found' };
  if (first === 'pending' && second === undefined) return method === 'GET' ? { kind: 'pending' } : { kind: 'method_not_allowed', allow: 'GET' };
  if (!APPROVAL_ID.test(first)) return { kind: 'not_found' };
  if (second === undefined) return method === 'GET' ? { kind: 'get', id: first } : { kind: 'method_not_allowed', allow: 'GET' };
  if (second !== 'approve' && second !== 'reject') return { kind: 'not_found' };
  return method === 'POST' ? { kind: 'decide', id: first, verdict: second } : { kind: 'method_not_allowed', allow: 'POST' };
}

const BEARER_CHALLENGE = { 'www-authenticate': 'Bearer realm="callgate-approvals"' };

export async function handleApprovalsApi(req: http.IncomingMessage, res: http.ServerResponse, path: string, deps: ApprovalsApiDeps): Promise<void> {
  const route = routeApi(req.method ?? 'GET', path);
  if (route.kind === 'not_found') return sendJson(res, 404, { error: 'not_found', message: 'no such approvals endpoint' });
  if (route.kind === 'method_not_allowed') {
    res.setHeader('allow', route.allow);
    return sendJson(res, 405, { error: 'method_not_allowed', message: `use ${route.allow}` });
  }
  const who = await approverFromAuthorization(req.headers.authorization, deps.verifier, deps.maxTokenBytes);
  if (who.kind === 'refused') return sendError(res, who.code, who.message, httpStatusOf(who.code) === 401 ? BEARER_CHALLENGE : {});
  switch (route.kind) {
    case 'pending': {
      const pending = await deps.service.listPending();
      return sendJson(res, 200, { approvals: pending.map(approvalView) });
    }
    case 'get': {
      const approval = await deps.service.get(route.id);
      if (approval === undefined) return sendError(res, 'ERR_APPROVAL_NOT_FOUND', 'approval not found');
      return sendJson(res, 200, approvalView(approval));
    }
    case 'decide': {
      if (mediaTypeOf(req) !== 'application/json') return sendError(res, 'ERR_APPROVAL_INVALID_REQUEST', 'content-type must be application/json');
      const body = await readBody(req);
      if (body.kind !== 'ok') return sendError(res, 'ERR_APPROVAL_INVALID_REQUEST', body.kind === 'too_large' ? 'body too large' : 'body could not be read');
      const parsed = parseDecisionBody(body.text, route.verdict);
      if (parsed.kind === 'invalid') return sendError(res, parsed.code, parsed.message);
      const result = await deps.service.decide(route.id, who.approver, route.verdict, parsed.reason);
      if (result.kind === 'refused') {
        deps.log.info({ approval_id: route.id, approver: formatEntity(who.approver.principal), code: result.code }, 'approval decision refused');
        return sendError(res, result.code, result.message);
      }
      deps.log.info({ approval_id: route.id, approver: formatEntity(who.approver.principal), status: result.approval.status }, 'approval decided');
      return sendJson(res, 200, approvalView(result.approval));
    }
  }
}
