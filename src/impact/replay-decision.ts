/**
 * Replays one recorded decision against a bundle through serve's own pipeline (`authorizeAs`: call parser →
 * argument mapping → Cedar context → the bundle's evaluate → decision mapping → obligations), each recorded
 * call rebuilt as the request Envoy would send (policy-tests/case-request.ts), with the recorded caller
 * facts and time. Several calls (an MCP batch) combine as serve combines them: one deny denies, the
 * obligations of the allows merge.
 *
 * A replay never guesses: it is `undecidable` when a policy that can apply to a recorded function reads
 * something the record does not keep — an argument that was masked or removed (or every argument when the
 * record kept only digests), request details other than the protocol, or principal attributes.
 * Decisions taken before policy (identity failures, malformed calls) are `skipped`: no bundle changes them.
 */
import { join } from 'node:path';
import type { EntityUidJson } from '@cedar-policy/cedar-wasm/nodejs';
import { authorizeAs, type AuthorizeDeps } from '../authz/authorize';
import type { ApprovalState } from '../authz/cedar-context';
import type { Outcome } from '../authz/outcome';
import type { ParseOptions } from '../calls/types';
import type { ErrorCode } from '../errors';
import type { IdentityConfig } from '../identity/resolve-caller';
import type { Caller, CallerKind, PrincipalType } from '../identity/types';
import { mergeObligations } from '../obligations/merge-obligations';
import { NO_OBLIGATIONS, type Obligations, type PolicyBundle } from '../policy/types';
import { buildCaseRequest } from '../policy-tests/case-request';
import { segmentsOf } from '../audit/audit-args';
import { canApplyTo, type PolicyReads } from './policy-reads';
import type { RecordedDecision } from './recorded-decisions';

export interface ReplayTarget {
  readonly dir: string;
  readonly bundle: PolicyBundle;
  readonly policies: ReadonlyMap<string, PolicyReads>;
}

export interface ReplaySettings {
  readonly identity: IdentityConfig;
  readonly parseOptions: ParseOptions;
}

export type Replay =
  | {
      readonly kind: 'decided';
      readonly decision: 'allow' | 'deny';
      readonly code?: ErrorCode;
      readonly policies: readonly string[];
      readonly obligations: Obligations;
    }
  | { readonly kind: 'undecidable'; readonly why: string }
  | { readonly kind: 'skipped'; readonly why: string };

/** Request facts kept in records: only the protocol. */
const KEPT_REQUEST_FIELDS = new Set(['protocol']);
const PRINCIPAL_TYPES: Readonly<Record<string, CallerKind>> = { User: 'human', Service: 'service', Agent: 'agent', Anonymous: 'anonymous' };
const REPLAY_HOST = 'replay.callgate.invalid';
const REPLAY_SOURCE_IP = '0.0.0.0';

function parseUid(text: string): { type: string; id: string } | undefined {
  const m = /^([A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)::("(?:[^"\\]|\\.)*")$/.exec(text);
  if (m === null || m[1] === undefined || m[2] === undefined) return undefined;
  return { type: m[1], id: JSON.parse(m[2]) as string };
}

function isPrincipalType(type: string): type is PrincipalType {
  return Object.prototype.hasOwnProperty.call(PRINCIPAL_TYPES, type);
}

function callerOf(rec: RecordedDecision): Caller | undefined {
  const uid = parseUid(rec.principal);
  const facts = rec.caller;
  if (uid === undefined || facts === null || !isPrincipalType(uid.type)) return undefined;
  const parents: EntityUidJson[] = [];
  for (const group of facts.groups) {
    const parent = parseUid(group);
    if (parent === undefined) return undefined;
    parents.push(parent);
  }
  return {
    kind: PRINCIPAL_TYPES[uid.type] ?? 'anonymous',
    interactive: facts.interactive,
    authenticated: facts.authenticated,
    issuer: facts.issuer,
    scopes: facts.scopes,
    principal: { uid: { type: uid.type, id: uid.id }, attrs: {}, parents },
    relatedEntities: [],
    source: 'jwt_authn',
  };
}

/** Decided by policy (so a bundle change can change it)? */
function isPolicyDecision(rec: RecordedDecision): boolean {
  return rec.reason === 'none' || rec.reason.startsWith('ERR_POLICY_') || rec.reason === 'ERR_APPROVAL_REQUIRED';
}

function overlaps(a: readonly string[], b: readonly string[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/** Why `policy` cannot be evaluated on what the record kept for call `i`, if it cannot. */
function missingRead(policy: PolicyReads, rec: RecordedDecision, i: number): string | undefined {
  const masked = rec.args === null ? undefined : (rec.argsMasked?.[i] ?? []).map(segmentsOf);
  if (policy.wholeVars.has('context') && (masked === undefined || masked.length > 0)) return 'uses the whole context, and the record masked arguments';
  if (policy.wholeVars.has('principal')) return 'uses the principal whole (its attributes are not kept in records)';
  for (const path of policy.paths) {
    const [root, field, ...rest] = path;
    const shown = path.join('.');
    if (root === 'principal' && field !== undefined) return `reads ${shown} (principal attributes are not kept in records)`;
    if (root !== 'context' || field === undefined) continue;
    if (field === 'request' && (rest[0] === undefined || !KEPT_REQUEST_FIELDS.has(rest[0]))) return `reads ${shown} (request details are not kept in records)`;
    if (field !== 'input') continue;
    if (masked === undefined) return `reads ${shown} (the record kept only argument digests)`;
    const hit = masked.find((m) => overlaps(m, rest));
    if (hit !== undefined) return `reads ${shown}, masked in the record (/${hit.join('/')})`;
  }
  return undefined;
}

function undecidableWhy(rec: RecordedDecision, target: ReplayTarget): string | undefined {
  for (const [i, fn] of rec.functions.entries()) {
    for (const policy of target.policies.values()) {
      if (!canApplyTo(policy, fn, (name) => target.bundle.hasFunction(name))) continue;
      const why = missingRead(policy, rec, i);
      if (why !== undefined) return `${policy.id} (${join(target.dir, policy.where)}) ${why}`;
    }
  }
  return undefined;
}

function approvalOf(rec: RecordedDecision): ApprovalState {
  if (rec.approval === null) return { granted: false };
  return { granted: true, ...(rec.approval.id === undefined ? {} : { id: rec.approval.id }), ...(rec.approval.approver === undefined ? {} : { approver: rec.approval.approver }) };
}

function replayCall(rec: RecordedDecision, i: number, caller: Caller, target: ReplayTarget, settings: ReplaySettings): Outcome {
  const fn = rec.functions[i] ?? '';
  const { view, facts } = buildCaseRequest({
    function: fn,
    server: rec.server,
    protocol: rec.protocol === 'mcp' ? 'mcp' : 'http',
    inputJson: JSON.stringify(rec.args?.[i] ?? {}),
    host: REPLAY_HOST,
    sourceIp: REPLAY_SOURCE_IP,
    requestId: rec.decisionId,
  });
  const now = new Date(rec.time);
  const deps: AuthorizeDeps = {
    identity: settings.identity,
    parseOptions: settings.parseOptions,
    currentBundle: () => target.bundle,
    now: () => now,
    newDecisionId: () => rec.decisionId,
  };
  return authorizeAs(view, facts, caller, approvalOf(rec), deps);
}

export function replayDecision(rec: RecordedDecision, target: ReplayTarget, settings: ReplaySettings): Replay {
  if (!isPolicyDecision(rec)) return { kind: 'skipped', why: `decided before policy (${rec.reason})` };
  if (rec.functions.length === 0) return { kind: 'skipped', why: 'no function call recorded' };
  const caller = callerOf(rec);
  if (caller === undefined) return { kind: 'skipped', why: 'the record has no caller facts (written before records kept them)' };
  if (Number.isNaN(new Date(rec.time).getTime())) return { kind: 'skipped', why: 'the record has no valid time' };
  const why = undecidableWhy(rec, target);
  if (why !== undefined) return { kind: 'undecidable', why };
  const allows: Obligations[] = [];
  const policies: string[] = [];
  for (const i of rec.functions.keys()) {
    const outcome = replayCall(rec, i, caller, target, settings);
    if (outcome.kind === 'deny') {
      if (outcome.code.startsWith('ERR_CALL_')) return { kind: 'undecidable', why: `the recorded arguments no longer parse as a call (${outcome.code}: ${outcome.detail ?? ''})` };
      if (outcome.code === 'ERR_POLICY_REQUEST_INVALID' && rec.args === null) {
        return { kind: 'undecidable', why: `the record kept only argument digests, and ${rec.functions[i] ?? ''} needs its arguments to conform to its schema` };
      }
      if (outcome.code === 'ERR_POLICY_REQUEST_INVALID' && (rec.argsMasked?.[i]?.length ?? 0) > 0) {
        return { kind: 'undecidable', why: `the masked arguments of ${rec.functions[i] ?? ''} no longer conform to its schema (${outcome.detail ?? ''})` };
      }
      return { kind: 'decided', decision: 'deny', code: outcome.code, policies: [...outcome.decidingPolicies].sort(), obligations: NO_OBLIGATIONS };
    }
    allows.push(outcome.obligations);
    policies.push(...outcome.decidingPolicies);
  }
  return { kind: 'decided', decision: 'allow', policies: [...new Set(policies)].sort(), obligations: mergeObligations(allows) };
}
