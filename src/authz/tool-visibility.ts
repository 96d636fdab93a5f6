/**
 * tools/list filtering, the Check side. For an allowed MCP `tools/list` (and a GET stream, which may replay
 * any response), the bundle lists the tools this caller could call on this server (Cedar partial
 * evaluation); the list travels to ext_proc in the decision's metadata, and ext_proc removes every other
 * tool from the result.
 *
 * The rule: `context.input`, `context.approval` and `context.time` (and `request.id`) are unknown when a
 * tool is listed, everything else (caller, principal, groups, server, request method/path/host/source IP)
 * is known. A tool is listed unless every call is denied, i.e. it is shown when some arguments, some
 * approval or some time could allow it. A listing that cannot be computed lists no tool (fail closed).
 *
 * A GET (`mcp:stream/listen`) stream may carry the result of any listed tool, so its obligations also take
 * the masking obligations of every permit that may decide one of those tools.
 */
import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Call, HttpRequestView } from '../calls/types';
import type { RequestFacts } from '../envoy/check-request';
import type { Caller } from '../identity/types';
import { mergeObligations } from '../obligations/merge-obligations';
import type { PolicyBundle } from '../policy/types';
import { buildCedarContext, NOT_APPROVED } from './cedar-context';
import type { AllowOutcome } from './outcome';

export const STREAM_LISTEN = 'mcp:stream/listen';

const unknown = (name: string): CedarValueJson => ({ __extn: { fn: 'unknown', arg: name } });

/** The context a listing is decided with: a call's context with what only a call fixes left unknown. */
export function listingContext(caller: Caller, call: Call, view: HttpRequestView, facts: RequestFacts): Record<string, CedarValueJson> {
  const known = buildCedarContext({}, caller, call, view, facts, new Date(0), NOT_APPROVED);
  const request = known.request;
  const requestRecord = request !== null && typeof request === 'object' && !Array.isArray(request) ? { ...request, id: unknown('request.id') } : unknown('request');
  return { ...known, input: unknown('input'), approval: unknown('approval'), time: unknown('time'), request: requestRecord };
}

function listsTools(call: Call): boolean {
  return call.protocol === 'mcp' && (call.mcpMethod === 'tools/list' || call.function === STREAM_LISTEN);
}

export interface ListingScope {
  readonly bundle: PolicyBundle;
  readonly caller: Caller;
  readonly view: HttpRequestView;
  readonly facts: RequestFacts;
}

/** Adds `visibleTools` (and, for a GET stream, the tools' masking obligations) to an MCP allow that lists tools. */
export function withVisibleTools(outcome: AllowOutcome, scope: ListingScope): AllowOutcome {
  const call = outcome.calls.find(listsTools);
  if (call === undefined) return outcome;
  const listing = scope.bundle.listTools({
    principal: scope.caller.principal,
    requestEntities: scope.caller.relatedEntities,
    resource: call.server,
    context: listingContext(scope.caller, call, scope.view, scope.facts),
  });
  if (listing.kind === 'failed') return { ...outcome, visibleTools: [] };
  const streams = outcome.calls.some((c) => c.function === STREAM_LISTEN);
  const obligations = streams ? mergeObligations([outcome.obligations, { ...listing.obligations, redactArgs: [] }]) : outcome.obligations;
  return { ...outcome, visibleTools: listing.tools, obligations };
}
