/**
 * Which functions (MCP tools) a caller could call at all, decided by Cedar partial evaluation: the caller,
 * the server and the known parts of the context are concrete, the parts that only a real call fixes are
 * Cedar unknowns (the caller supplies them as `{"__extn":{"fn":"unknown",...}}`). A function is listed
 * unless Cedar decides `deny` for every value of the unknowns; an answer Cedar cannot give (a failure, an
 * errored policy) hides the function (fail closed). The obligations of every permit that is or may be
 * determining are collected too, for streams that may carry any listed tool's result.
 *
 * A function whose policies read none of the unknowns (after pickContext's narrowing, e.g. a slice that reads
 * only `context.caller`) has nothing to evaluate partially: it is decided concretely on its preparsed slice,
 * which gives the same decision and deciding permits without parsing the slice's text twice. If that path
 * cannot answer (the slice is not preparsed and there is no free room for it, it cannot be prepared, Cedar
 * throws), the function is evaluated partially as before.
 *
 * Cost: per declared function on a miss, one concrete evaluation or one or two partial evaluations; results
 * are cached per request key in an LRU that belongs to one bundle revision, so a cached listing never
 * outlives the revision it came from.
 */
import { isAuthorizedPartial, type AuthorizationAnswer, type CedarValueJson, type EntityJson, type EntityUid, type PartialAuthorizationAnswer, type PartialAuthorizationCall, type PolicyJson, type StatefulAuthorizationCall } from '@cedar-policy/cedar-wasm/nodejs';
import { LRUCache } from 'lru-cache';
import { mergeObligations } from '../obligations/merge-obligations';
import { reduceResidual, type Json } from './reduce-residual';
import { collectRequestEntities, plainUid, type EntityStore } from './entity-store';
import type { SchemaShapes } from './function-shapes';
import { pickContext, type ContextReads } from './context-reads';
import type { AnnotationsById } from './map-decision';
import type { Obligations } from './types';

export interface ToolListRequest {
  readonly principal: EntityJson;
  readonly requestEntities: readonly EntityJson[];
  /** Server entity id. */
  readonly resource: string;
  /** The Cedar context, with Cedar unknowns where a call would supply the value. */
  readonly context: Readonly<Record<string, CedarValueJson>>;
}

export type ToolListing =
  | { readonly kind: 'listed'; readonly tools: readonly string[]; readonly obligations: Obligations }
  | { readonly kind: 'failed'; readonly message: string };

export interface ListingParts {
  readonly shapes: SchemaShapes;
  readonly sliceOf: ReadonlyMap<string, number>;
  /** A slice's policies, id → text (partial evaluation takes policies as text, not preparsed ids); built when asked. */
  slicePolicies(slice: number): Readonly<Record<string, string>> | undefined;
  readonly store: EntityStore;
  readonly annotations: AnnotationsById;
  /** Per slice: the context attributes its policies read (context-reads.ts). */
  readonly sliceReads: readonly ContextReads[];
  /**
   * Decides a call concretely on the slice's preparsed policies; the answer names bundle policy ids.
   * Undefined when it cannot (no free room to preparse the slice without pushing another out, the slice
   * could not be prepared, or Cedar threw): the caller falls back.
   */
  decideOnSlice(slice: number, call: Omit<StatefulAuthorizationCall, 'preparsedPolicySetId'>): AuthorizationAnswer | undefined;
}

/** Functions that are protocol actions (`mcp:*`) are never tools. */
const isTool = (name: string): boolean => !name.startsWith('mcp:');

type Verdict = { readonly kind: 'hidden' } | { readonly kind: 'shown'; readonly policies: readonly string[] };

/** A concrete answer: shown on allow without errors, with the permits that decided it. */
function concreteVerdictOf(answer: AuthorizationAnswer): Verdict {
  if (answer.type === 'failure') return { kind: 'hidden' };
  const { decision, diagnostics } = answer.response;
  if (decision !== 'allow' || diagnostics.errors.length > 0) return { kind: 'hidden' };
  return { kind: 'shown', policies: diagnostics.reason };
}

/** Whether a context value holds a Cedar unknown anywhere. */
function holdsUnknown(value: CedarValueJson): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(holdsUnknown);
  const extension = (value as { __extn?: { fn?: unknown } }).__extn;
  if (extension !== undefined) return extension.fn === 'unknown';
  return Object.values(value as Record<string, CedarValueJson>).some(holdsUnknown);
}

function verdictOf(answer: PartialAuthorizationAnswer): Verdict {
  if (answer.type === 'failure') return { kind: 'hidden' };
  const r = answer.response;
  if (r.decision === 'deny' || r.errored.length > 0) return { kind: 'hidden' };
  return { kind: 'shown', policies: [...new Set([...r.satisfied, ...r.mayBeDetermining, ...r.nontrivialResiduals])] };
}

/**
 * Partial evaluation, then once more over the residuals with record-literal attribute accesses reduced
 * (reduce-residual.ts), so conditions on known context parts are decided.
 */
function evaluateListing(call: PartialAuthorizationCall): PartialAuthorizationAnswer {
  const first = isAuthorizedPartial(call);
  if (first.type === 'failure' || first.response.decision !== null) return first;
  const staticPolicies: Record<string, PolicyJson> = {};
  for (const [id, residual] of Object.entries(first.response.residuals)) staticPolicies[id] = reduceResidual(residual as unknown as Json) as unknown as PolicyJson;
  const second = isAuthorizedPartial({ ...call, policies: { staticPolicies } });
  // The residual set may name no policy that was satisfied outright; keep what the first pass saw too.
  if (second.type === 'failure') return second;
  const r = second.response;
  return { ...second, response: { ...r, satisfied: [...new Set([...first.response.satisfied, ...r.satisfied])] } };
}

interface ListingCall {
  readonly principal: EntityUid;
  readonly action: EntityUid;
  readonly resource: EntityUid;
  readonly context: Readonly<Record<string, CedarValueJson>>;
  readonly entities: EntityJson[];
}

/** Concretely on the preparsed slice when the context it reads holds no unknown, else by partial evaluation. */
function decideListing(parts: ListingParts, slice: number, call: ListingCall): Verdict {
  const picked = pickContext(call.context, parts.sliceReads[slice] ?? { kind: 'all' });
  if (!Object.values(picked).some(holdsUnknown)) {
    const answer = parts.decideOnSlice(slice, { ...call, context: picked, validateRequest: false });
    if (answer !== undefined) return concreteVerdictOf(answer);
  }
  const policies = parts.slicePolicies(slice);
  if (policies === undefined) return { kind: 'hidden' };
  return verdictOf(evaluateListing({ ...call, context: { ...call.context }, policies: { staticPolicies: policies } }));
}

function listUncached(parts: ListingParts, request: ToolListRequest): ToolListing {
  const principalType = plainUid(request.principal.uid).type;
  const entities = collectRequestEntities(parts.store, request);
  const tools: string[] = [];
  const obligations: Obligations[] = [];
  for (const [name, shape] of parts.shapes.functions) {
    const slice = parts.sliceOf.get(name);
    if (!isTool(name) || slice === undefined || !shape.principalTypes.has(principalType) || !shape.resourceTypes.has('Server')) continue;
    const verdict = decideListing(parts, slice, {
      principal: request.principal.uid,
      action: { type: 'Action', id: name },
      resource: { type: 'Server', id: request.resource },
      context: request.context,
      entities: [...entities, ...shape.actionEntities],
    });
    if (verdict.kind === 'hidden') continue;
    tools.push(name);
    for (const id of verdict.policies) {
      const found = parts.annotations.get(id)?.obligations;
      if (found !== undefined) obligations.push(found);
    }
  }
  return { kind: 'listed', tools: tools.sort(), obligations: mergeObligations(obligations) };
}

/** A listing function for one bundle revision, memoized in a bounded LRU. Never throws. */
export function createToolLister(parts: ListingParts, cacheSize: number): (request: ToolListRequest) => ToolListing {
  const cache = new LRUCache<string, ToolListing & { kind: 'listed' }>({ max: Math.max(1, cacheSize) });
  return (request) => {
    try {
      const key = JSON.stringify([request.principal, request.requestEntities, request.resource, request.context]);
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      const listing = listUncached(parts, request);
      if (listing.kind === 'listed') cache.set(key, listing);
      return listing;
    } catch (err) {
      return { kind: 'failed', message: err instanceof Error ? err.message : String(err) };
    }
  };
}
