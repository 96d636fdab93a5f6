/**
 * Decides one case with serve's own pipeline: the caller as identity would build it (case-caller.ts), the
 * request as Envoy would send it (case-request.ts), then `authorizeAs` (src/authz): call parser → argument
 * mapping → Cedar context → the loaded bundle's evaluate → decision mapping → obligations.
 */
import { authorizeAs, type AuthorizeDeps } from '../authz/authorize';
import type { ApprovalState } from '../authz/cedar-context';
import type { Outcome } from '../authz/outcome';
import type { ParseOptions } from '../calls/types';
import type { ErrorCode } from '../errors';
import type { Caller, CallerKind } from '../identity/types';
import type { PolicyBundle } from '../policy/types';
import { buildCaseCaller, type CallerContext } from './case-caller';
import { buildCaseRequest } from './case-request';
import type { TestCaseSpec } from './test-file-schema';

/** The clock a case sees when it sets no `time`: a Monday, 12:00 UTC (deterministic in CI). */
export const DEFAULT_TEST_TIME = '2026-01-05T12:00:00Z';
export const DEFAULT_SOURCE_IP = '127.0.0.1';
export const DEFAULT_HOST = 'callgate.test';

export interface DecideContext extends CallerContext {
  readonly bundle: PolicyBundle;
  readonly parseOptions: ParseOptions;
}

/** What the pipeline decided, in the test file's vocabulary. */
export interface CaseActual {
  readonly decision: 'allow' | 'deny';
  readonly policies: readonly string[];
  readonly obligations: { readonly mask: readonly string[]; readonly mask_fields: readonly string[]; readonly redact_args: readonly string[] };
  readonly code?: ErrorCode;
  readonly reason?: string;
  readonly approvalGroup?: string;
  readonly callerKind?: CallerKind;
  /** Internal detail and Cedar evaluation errors (why a request was refused). */
  readonly errors: readonly string[];
  readonly caller?: Caller;
  readonly outcome?: Outcome;
}

export type CaseDecision = { readonly kind: 'decided'; readonly actual: CaseActual } | { readonly kind: 'problem'; readonly path: readonly string[]; readonly message: string };

export function decideCase(spec: TestCaseSpec | (Omit<TestCaseSpec, 'name' | 'expect'> & { name?: string }), inputJson: string, ctx: DecideContext, requestId: string): CaseDecision {
  const built = buildCaseCaller(spec.caller, ctx);
  if (built.kind === 'problem') return { kind: 'problem', path: ['caller', ...built.path], message: built.message };
  if (built.kind === 'identity-invalid') {
    return { kind: 'decided', actual: { decision: 'deny', policies: [], obligations: NONE, code: 'ERR_IDENTITY_INVALID', reason: undefined, errors: [built.message] } };
  }
  const { view, facts } = buildCaseRequest({
    function: spec.function,
    server: spec.server ?? '',
    protocol: spec.protocol ?? 'http',
    inputJson,
    host: spec.host ?? DEFAULT_HOST,
    sourceIp: spec.source_ip ?? DEFAULT_SOURCE_IP,
    requestId: spec.request_id ?? requestId,
  });
  const now = new Date(spec.time ?? DEFAULT_TEST_TIME);
  const deps: AuthorizeDeps = {
    identity: ctx.identity,
    parseOptions: ctx.parseOptions,
    currentBundle: () => ctx.bundle,
    now: () => now,
    newDecisionId: () => requestId,
  };
  const approval: ApprovalState = spec.approval ?? { granted: false };
  const outcome = authorizeAs(view, facts, built.caller, approval, deps);
  return { kind: 'decided', actual: actualOf(outcome, built.caller) };
}

const NONE = { mask: [], mask_fields: [], redact_args: [] } as const;

function actualOf(outcome: Outcome, caller: Caller): CaseActual {
  const policies = [...new Set(outcome.decidingPolicies)].sort();
  if (outcome.kind === 'allow') {
    const o = outcome.obligations;
    return { decision: 'allow', policies, obligations: { mask: o.mask, mask_fields: o.maskFields, redact_args: o.redactArgs }, callerKind: caller.kind, errors: [], caller, outcome };
  }
  const errors = [...(outcome.detail === undefined ? [] : [outcome.detail]), ...outcome.errors.map((e) => (e.policyId ? `${e.policyId}: ${e.message}` : e.message))];
  return {
    decision: 'deny',
    policies,
    obligations: NONE,
    code: outcome.code,
    reason: outcome.reason,
    approvalGroup: outcome.approval?.group,
    callerKind: caller.kind,
    errors: [...new Set(errors)],
    caller,
    outcome,
  };
}
