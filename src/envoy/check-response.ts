/**
 * Outcome → CheckResponse. Every response carries an explicit `status` (an unset status would allow).
 * Header mutations always set both `append` and `append_action` so every Envoy version behaves the same
 * (envoy-semantics b.4). Caller-supplied `x-callgate-*` headers are removed before the function sees them.
 */
import type { CheckResponse } from '../generated/envoy/service/auth/v3/CheckResponse';
import type { HeaderValueOption } from '../generated/envoy/config/core/v3/HeaderValueOption';
import type { JsonObject, JsonValue } from '../calls/types';
import { httpStatusOf } from '../errors';
import type { AllowOutcome, DenyOutcome, Outcome } from '../authz/outcome';
import { jsonToStruct } from './struct';

export const DECISION_ID_HEADER = 'x-callgate-decision-id';
export const PRINCIPAL_HEADER = 'x-callgate-principal';
const OWN_HEADER_PREFIX = 'x-callgate-';

/** google.rpc.Code per HTTP status of a denial (any non-zero code is a denial for Envoy). */
function rpcCodeOf(httpStatus: number): number {
  if (httpStatus === 401) return 16; // UNAUTHENTICATED
  if (httpStatus === 403) return 7; // PERMISSION_DENIED
  if (httpStatus === 404) return 5; // NOT_FOUND
  if (httpStatus === 413) return 8; // RESOURCE_EXHAUSTED
  if (httpStatus === 503) return 14; // UNAVAILABLE
  return 3; // INVALID_ARGUMENT
}

/**
 * envoy.config.core.v3.HeaderValueOption.HeaderAppendAction. Enums are set as their numbers: the server
 * encodes a CheckResponse with protobufjs' `encode` directly (no `fromObject`), which writes enums as given.
 */
export const APPEND_IF_EXISTS_OR_ADD = 0;
export const OVERWRITE_IF_EXISTS_OR_ADD = 2;

export function overwriteHeader(key: string, value: string): HeaderValueOption {
  return { header: { key, value }, append: { value: false }, append_action: OVERWRITE_IF_EXISTS_OR_ADD };
}

function addHeader(key: string, value: string): HeaderValueOption {
  return { header: { key, value }, append: { value: true }, append_action: APPEND_IF_EXISTS_OR_ADD };
}

function principalOf(outcome: Outcome): string {
  const uid = outcome.caller?.principal.uid;
  return uid === undefined ? '' : `${uid.type}::${JSON.stringify(uid.id)}`;
}

function metadataOf(outcome: Outcome): JsonObject {
  const meta: JsonObject = {
    decision_id: outcome.decisionId,
    decision: outcome.kind,
    principal: principalOf(outcome),
    function: outcome.calls.map((c) => c.function).join(','),
    server: outcome.server ?? '',
    policy_revision: outcome.bundleRevision ?? '',
    deciding_policies: [...outcome.decidingPolicies],
  };
  if (outcome.kind === 'allow') {
    meta.obligations = {
      mask: [...outcome.obligations.mask],
      mask_fields: [...outcome.obligations.maskFields],
      redact_args: [...outcome.obligations.redactArgs],
    };
    if (outcome.visibleTools !== undefined) meta.obligations.visible_tools = [...outcome.visibleTools];
    if (outcome.approvals !== undefined && outcome.approvals.length > 0) meta.approvals = outcome.approvals.map((a) => ({ id: a.id, approver: a.approver }));
  } else {
    meta.reason = outcome.code;
    if (outcome.approval?.id !== undefined) meta.approval_id = outcome.approval.id;
  }
  return meta;
}

export function buildAllowResponse(outcome: AllowOutcome, requestHeaderNames: Iterable<string>): CheckResponse {
  const set = new Map<string, string>([[DECISION_ID_HEADER, outcome.decisionId]]);
  const principal = principalOf(outcome);
  if (principal !== '') set.set(PRINCIPAL_HEADER, principal);
  const remove = [...requestHeaderNames].filter((h) => h.startsWith(OWN_HEADER_PREFIX) && !set.has(h));
  return {
    status: { code: 0 },
    ok_response: {
      headers: [...set].map(([k, v]) => overwriteHeader(k, v)),
      headers_to_remove: remove,
    },
    dynamic_metadata: jsonToStruct(metadataOf(outcome)),
  };
}

/** JSON-RPC error code for a denial (MCP). Parse errors keep the code the parser chose. */
function jsonRpcErrorCode(outcome: DenyOutcome): number {
  if (outcome.jsonRpcCode !== undefined) return outcome.jsonRpcCode;
  if (outcome.code === 'ERR_CALL_ARGS_UNMAPPABLE' || outcome.code === 'ERR_POLICY_REQUEST_INVALID') return -32602;
  if (httpStatusOf(outcome.code) === 401) return -32001;
  return -32003;
}

/** MCP protocol versions that know URL-mode elicitation (the -32042 error): 2025-11-25 and later. */
function knowsUrlElicitation(version: string | undefined): boolean {
  return version !== undefined && version >= '2025-11-25';
}

/** The approval a denial is waiting for, when approvals are configured (an id was issued). */
function pendingApprovalOf(outcome: DenyOutcome): { id: string; approveUrl: string; expiresAt: string } | undefined {
  const a = outcome.approval;
  if (outcome.code !== 'ERR_APPROVAL_REQUIRED' || a?.id === undefined || a.approveUrl === undefined || a.expiresAt === undefined) return undefined;
  return { id: a.id, approveUrl: a.approveUrl, expiresAt: a.expiresAt };
}

/**
 * approval_required with an approval issued (design §3). HTTP: 403 with the approval's id, URL and expiry.
 * MCP: protocol-native and HTTP 200 so the agent reads it: a tool result with isError (text + structured
 * content), or for clients of 2025-11-25 and later the -32042 URL elicitation error pointing at the page.
 */
function approvalBody(outcome: DenyOutcome, pending: { id: string; approveUrl: string; expiresAt: string }): { status: number; body: string } {
  const data: JsonObject = {
    error: 'approval_required',
    approval_id: pending.id,
    approve_url: pending.approveUrl,
    expires_at: pending.expiresAt,
    reason: outcome.reason,
    code: outcome.code,
    decision_id: outcome.decisionId,
  };
  if (outcome.protocol !== 'mcp') return { status: httpStatusOf(outcome.code), body: JSON.stringify(data) };
  const message = `${outcome.reason}. Ask an approver to approve this call at ${pending.approveUrl}, then retry it unchanged before ${pending.expiresAt}.`;
  const elicit = knowsUrlElicitation(outcome.calls[0]?.mcpProtocolVersion);
  const ids: readonly (string | number | null)[] = outcome.jsonRpcIds !== undefined && outcome.jsonRpcIds.length > 0 ? outcome.jsonRpcIds : [null];
  const elicitation: JsonObject = { mode: 'url', elicitationId: pending.id, url: pending.approveUrl, message };
  const envelopes = ids.map((id): JsonValue =>
    elicit
      ? { jsonrpc: '2.0', id, error: { code: -32042, message, data: { ...data, elicitations: [elicitation] } } }
      : { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: `${message}\n${JSON.stringify(data)}` }], structuredContent: data, isError: true } },
  );
  return { status: 200, body: JSON.stringify(envelopes.length > 1 ? envelopes : envelopes[0]) };
}

function denyBody(outcome: DenyOutcome): string {
  const error = outcome.code === 'ERR_APPROVAL_REQUIRED' ? 'approval_required' : httpStatusOf(outcome.code) === 401 ? 'unauthenticated' : 'forbidden';
  const data: JsonObject = { error, reason: outcome.reason, code: outcome.code, decision_id: outcome.decisionId };
  if (outcome.protocol !== 'mcp') return JSON.stringify(data);
  const ids: readonly (string | number | null)[] = outcome.jsonRpcIds !== undefined && outcome.jsonRpcIds.length > 0 ? outcome.jsonRpcIds : [null];
  const envelopes: JsonValue[] = ids.map((id) => ({
    jsonrpc: '2.0',
    id,
    error: { code: jsonRpcErrorCode(outcome), message: outcome.reason, data },
  }));
  return JSON.stringify(outcome.jsonRpcIds !== undefined && outcome.jsonRpcIds.length > 1 ? envelopes : envelopes[0]);
}

/** RFC 6750 §3: a refused token gets error="invalid_token" with the code's generic reason (no internals). */
function wwwAuthenticateOf(outcome: DenyOutcome): string {
  const params = ['realm="callgate"'];
  if (outcome.code.startsWith('ERR_IDENTITY_')) params.push('error="invalid_token"', `error_description="${outcome.reason.replace(/["\\]/g, '')}"`);
  if (outcome.resourceMetadataUrl !== undefined) params.push(`resource_metadata="${outcome.resourceMetadataUrl.replace(/["\\]/g, '')}"`);
  return `Bearer ${params.join(', ')}`;
}

export function buildDenyResponse(outcome: DenyOutcome): CheckResponse {
  const pending = pendingApprovalOf(outcome);
  const approval = pending === undefined ? undefined : approvalBody(outcome, pending);
  const status = approval?.status ?? httpStatusOf(outcome.code);
  const headers = [
    overwriteHeader('content-type', 'application/json'),
    overwriteHeader(DECISION_ID_HEADER, outcome.decisionId),
    overwriteHeader('cache-control', 'no-store'),
  ];
  if (status === 401) headers.push(addHeader('www-authenticate', wwwAuthenticateOf(outcome)));
  return {
    status: { code: rpcCodeOf(httpStatusOf(outcome.code)), message: outcome.code },
    denied_response: { status: { code: status as never }, headers, body: approval?.body ?? denyBody(outcome) },
    dynamic_metadata: jsonToStruct(metadataOf(outcome)),
  };
}
