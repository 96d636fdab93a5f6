/** Builds the Cedar `context` every action receives (design §2): input, caller, request, approval, time. */
import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Call, HttpRequestView } from '../calls/types';
import type { Caller } from '../identity/types';
import type { RequestFacts } from '../envoy/check-request';

/** When Envoy reports no socket address (e.g. a pipe), policies see this unspecified address. */
export const UNKNOWN_SOURCE_IP = '0.0.0.0';

export interface ApprovalState {
  readonly granted: boolean;
  readonly approver?: string;
  readonly id?: string;
}

export const NOT_APPROVED: ApprovalState = Object.freeze({ granted: false });

export function buildCedarContext(
  input: Record<string, CedarValueJson>,
  caller: Caller,
  call: Call,
  view: HttpRequestView,
  facts: RequestFacts,
  now: Date,
  approval: ApprovalState,
): Record<string, CedarValueJson> {
  const approvalRecord: Record<string, CedarValueJson> = { granted: approval.granted };
  if (approval.approver !== undefined) approvalRecord.approver = approval.approver;
  if (approval.id !== undefined) approvalRecord.id = approval.id;
  return {
    input,
    caller: {
      kind: caller.kind,
      interactive: caller.interactive,
      authenticated: caller.authenticated,
      issuer: caller.issuer,
      scopes: [...caller.scopes],
    },
    request: {
      method: view.method,
      path: view.path,
      host: view.host,
      protocol: call.protocol,
      id: facts.requestId,
      sourceIp: { __extn: { fn: 'ip', arg: facts.sourceIp === '' ? UNKNOWN_SOURCE_IP : facts.sourceIp } },
    },
    approval: approvalRecord,
    time: {
      epochSeconds: Math.floor(now.getTime() / 1000),
      hourUtc: now.getUTCHours(),
      weekdayUtc: now.getUTCDay(),
    },
  };
}
