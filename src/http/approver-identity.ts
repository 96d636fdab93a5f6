/**
 * Who is deciding an approval: a caller verified by the identity module (a bearer token on the API, an
 * OIDC login on the page) becomes an `Approver`. Only people approve: a service or an agent token is
 * refused, whatever its groups (design §3: "a human's approval").
 */
import type { Approver, EntityRef } from '../approvals/types';
import type { ErrorCode } from '../errors';
import type { Caller } from '../identity/types';
import { extractBearerToken } from '../identity/bearer-token';
import type { TokenVerifier } from '../identity/token-verifier';

export type ApproverResult =
  | { readonly kind: 'approver'; readonly approver: Approver; readonly display: string }
  | { readonly kind: 'refused'; readonly code: ErrorCode; readonly message: string };

export function approverFromCaller(caller: Caller): ApproverResult {
  if (caller.kind !== 'human' || !caller.authenticated) {
    return { kind: 'refused', code: 'ERR_APPROVAL_APPROVER_KIND', message: `a ${caller.kind} cannot approve calls; approvers are people` };
  }
  const groups: EntityRef[] = (caller.principal.parents ?? []).map((p) => ('__entity' in p ? p.__entity : p));
  const attrs = caller.principal.attrs ?? {};
  const name = typeof attrs.name === 'string' ? attrs.name : typeof attrs.email === 'string' ? attrs.email : caller.principal.uid.id;
  return { kind: 'approver', approver: { principal: { type: caller.principal.uid.type, id: caller.principal.uid.id }, groups }, display: name };
}

/** `Authorization: Bearer …` → an Approver, through the same verification as the data path. */
export async function approverFromAuthorization(
  authorization: string | undefined,
  verifier: TokenVerifier | undefined,
  maxTokenBytes: number,
): Promise<ApproverResult> {
  if (verifier === undefined) return { kind: 'refused', code: 'ERR_APPROVAL_UNAUTHENTICATED', message: 'no OIDC issuer is configured (identity.issuers)' };
  const headers = new Map<string, string>(authorization === undefined ? [] : [['authorization', authorization]]);
  const bearer = extractBearerToken(headers, maxTokenBytes);
  if (bearer.kind === 'none') return { kind: 'refused', code: 'ERR_APPROVAL_UNAUTHENTICATED', message: 'a bearer token is required' };
  if (bearer.kind === 'rejected') return { kind: 'refused', code: bearer.code, message: bearer.message };
  const verified = await verifier.verify(bearer);
  if (verified.kind === 'failed') return { kind: 'refused', code: verified.code, message: verified.message };
  return approverFromCaller(verified.caller);
}
