/**
 * `callgate explain`: one request decided by serve's pipeline (decide-case.ts), told in words — the decision,
 * the deciding policies with file:line, effect and @reason, the obligations, errors, an approval that could
 * lift the deny, and for a default deny that no permit matched. JSON too.
 */
import { join } from 'node:path';
import type { CaseActual } from './decide-case';
import type { Mismatch } from './compare-case';
import { POLICY_DECISION_CODES } from './compare-case';
import type { PolicySourceInfo } from './policy-sources';

export interface Explanation {
  readonly decision: 'allow' | 'deny';
  readonly function: string;
  readonly server: string;
  readonly protocol: 'http' | 'mcp';
  readonly caller: string;
  readonly code?: string;
  readonly reason?: string;
  /** Cedar decided no policy: nothing permitted the call (and no forbid applied). */
  readonly defaultDeny: boolean;
  /** The call was refused before or while the policies were evaluated (invalid call, unknown function, ...). */
  readonly refused: boolean;
  readonly policies: readonly (PolicySourceInfo | { readonly id: string })[];
  readonly obligations: CaseActual['obligations'];
  readonly approvalGroup?: string;
  readonly errors: readonly string[];
  /** When the request carried an `expect`: how the decision differs from it ([] = as expected). */
  readonly mismatches?: readonly Mismatch[];
}

export interface ExplainInput {
  readonly function: string;
  readonly server: string;
  readonly protocol: 'http' | 'mcp';
  readonly actual: CaseActual;
  readonly sources: ReadonlyMap<string, PolicySourceInfo>;
  readonly mismatches?: readonly Mismatch[];
}

export function buildExplanation(input: ExplainInput): Explanation {
  const a = input.actual;
  const refused = a.decision === 'deny' && a.code !== undefined && !POLICY_DECISION_CODES.has(a.code);
  return {
    decision: a.decision,
    function: input.function,
    server: input.server,
    protocol: input.protocol,
    caller: describeCaller(a),
    ...(a.code === undefined ? {} : { code: a.code }),
    ...(a.reason === undefined ? {} : { reason: a.reason }),
    defaultDeny: a.decision === 'deny' && !refused && a.policies.length === 0,
    refused,
    policies: a.policies.map((id) => input.sources.get(id) ?? { id }),
    obligations: a.obligations,
    ...(a.approvalGroup === undefined ? {} : { approvalGroup: a.approvalGroup }),
    errors: a.errors,
    ...(input.mismatches === undefined ? {} : { mismatches: input.mismatches }),
  };
}

function describeCaller(a: CaseActual): string {
  const c = a.caller;
  if (c === undefined) return 'a caller whose identity serve would refuse';
  const uid = c.principal.uid;
  const groups = c.principal.parents.map((p) => ('__entity' in p ? p.__entity.id : p.id));
  const traits = [c.kind, c.interactive ? 'interactive' : 'non-interactive', c.authenticated ? undefined : 'unauthenticated'].filter((t) => t !== undefined);
  const behalf = c.principal.attrs.onBehalfOf as { __entity?: { id: string } } | undefined;
  const acting = behalf?.__entity === undefined ? '' : `, acting for User::${JSON.stringify(behalf.__entity.id)}`;
  const inGroups = groups.length === 0 ? '' : `; groups: ${groups.join(', ')}`;
  return `${uid.type}::${JSON.stringify(uid.id)} (${traits.join(', ')}${acting}${inGroups})`;
}

function where(p: PolicySourceInfo | { readonly id: string }, dir: string): string {
  return 'file' in p ? `${join(dir, p.file)}:${p.line}` : '(location unknown)';
}

export function renderExplanation(e: Explanation, dir: string): string {
  const lines = [`${e.decision.toUpperCase()}: ${e.function} on Server::${JSON.stringify(e.server)} over ${e.protocol}`, `caller: ${e.caller}`];
  if (e.decision === 'allow') lines.push('permitted by:');
  else if (e.refused) lines.push(`refused before the policies could decide: ${e.code} (${e.reason ?? ''})`);
  else if (e.defaultDeny) lines.push(`no permit matched and no forbid applied: Cedar denies by default (${e.code}: ${e.reason ?? ''})`);
  else lines.push(`denied (${e.code}): ${JSON.stringify(e.reason ?? '')}`, 'deciding policies:');
  for (const p of e.policies) {
    const info = 'effect' in p ? p : undefined;
    const notes = [info?.reason === undefined ? undefined : `@reason ${JSON.stringify(info.reason)}`, info?.description === undefined ? undefined : JSON.stringify(info.description)].filter((n) => n !== undefined);
    lines.push(`  ${info?.effect ?? 'policy'} ${p.id} at ${where(p, dir)}${notes.length > 0 ? ` — ${notes.join('; ')}` : ''}`);
  }
  if (e.decision === 'allow') lines.push(...renderObligations(e.obligations));
  if (e.approvalGroup !== undefined) lines.push(`a member of ${e.approvalGroup} can approve this exact call (@approval); the approved retry is decided with context.approval.granted = true`);
  if (e.errors.length > 0) lines.push('errors:', ...e.errors.map((m) => `  ${m}`));
  if (e.mismatches !== undefined) {
    if (e.mismatches.length === 0) lines.push('expectation: met');
    else lines.push('expectation: NOT met', ...e.mismatches.flatMap((m) => [`  ${m.field}:`, `    - expected ${m.expected}`, `    + actual   ${m.actual}`]));
  }
  return lines.join('\n');
}

function renderObligations(o: CaseActual['obligations']): string[] {
  const out: string[] = [];
  if (o.mask.length > 0) out.push(`  mask in the response (detectors): ${o.mask.join(', ')}`);
  if (o.mask_fields.length > 0) out.push(`  redact in the response (JSON paths): ${o.mask_fields.join(', ')}`);
  if (o.redact_args.length > 0) out.push(`  remove from the arguments before the function sees them: ${o.redact_args.join(', ')}`);
  return out.length === 0 ? ['obligations: none'] : ['obligations:', ...out];
}
