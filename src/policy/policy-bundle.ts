/** The immutable, prepared bundle revision: evaluate() is synchronous and never throws (fail closed). */
import { statefulIsAuthorized, type AuthorizationAnswer, type EntityJson, type StatefulAuthorizationCall } from '@cedar-policy/cedar-wasm/nodejs';
import type { PolicyAnnotations } from '../obligations/policy-annotations';
import type { AuthorizationInput, OffThreadEvaluation, PolicyBundle, PolicyDecision } from './types';
import { collectRequestEntities, type EntityStore } from './entity-store';
import { mapDecision } from './map-decision';
import { toBundlePolicyIds } from './slice-policy-ids';
import type { PreparedEngine } from './prepare-engine';
import { conformToType } from './conform-to-schema';
import { pickContext, type ContextReads } from './context-reads';
import { ancestorUnreadable, pickEntityAttrs, READ_EVERYTHING, withoutBareEntities, type EntityReads } from './entity-reads';
import type { SchemaShapes } from './function-shapes';
import { createToolLister } from './tool-listing';

/** The one call into Cedar per decision; injectable so tests can see exactly what reaches Cedar. */
export type AuthorizeFn = (call: StatefulAuthorizationCall) => AuthorizationAnswer;

export const defaultAuthorize: AuthorizeFn = statefulIsAuthorized;

export interface BundleParts {
  readonly revision: string;
  readonly policyIds: readonly string[];
  readonly annotations: ReadonlyMap<string, PolicyAnnotations>;
  readonly sliceOf: ReadonlyMap<string, number>;
  readonly engine: PreparedEngine;
  readonly store: EntityStore;
  readonly authorize: AuthorizeFn;
  /** Per function: principal/resource types, input type, action lineage (the schema, applied in JS once). */
  readonly shapes: SchemaShapes;
  /** Per slice: the top-level context attributes its policies can read. */
  readonly sliceReads: readonly ContextReads[];
  /** Per slice: the entity attributes its policies can read and whether they consult the action's lineage. */
  readonly sliceEntityReads?: readonly EntityReads[];
  /** This revision on the worker pool (engine.workers > 0). */
  readonly offThread?: OffThreadEvaluation;
  /** A slice's policies, id → text, for partial evaluation (tools/list); built on each call, not kept. */
  slicePolicies(slice: number): Readonly<Record<string, string>> | undefined;
  /** Entries of this revision's tool-listing cache. */
  readonly toolListingCacheSize: number;
}

export function createPolicyBundle(parts: BundleParts): PolicyBundle {
  const bundle: PolicyBundle = {
    revision: parts.revision,
    policyIds: parts.policyIds,
    hasFunction: (name) => parts.sliceOf.has(name),
    evaluate: (input) => evaluateInput(parts, input),
    warm: (count) => parts.engine.prepareNext(count),
    slices: () => parts.engine.progress(),
    ...(parts.offThread === undefined ? {} : { offThread: parts.offThread }),
    listTools: createToolLister({ ...parts, decideOnSlice: (slice, call) => decideOnSlice(parts, slice, call) }, parts.toolListingCacheSize),
    ancestorsOf: (key) => parts.store.ancestors.get(key) ?? [],
  };
  return Object.freeze(bundle);
}

function evaluateInput(parts: BundleParts, input: AuthorizationInput): PolicyDecision {
  const slice = parts.sliceOf.get(input.action);
  const shape = parts.shapes.functions.get(input.action);
  if (slice === undefined || shape === undefined) {
    return { kind: 'deny', code: 'ERR_POLICY_UNKNOWN_FUNCTION', decidingPolicies: [], errors: [{ message: `unknown function "${input.action}"` }] };
  }
  const principalType = ('__entity' in input.principal.uid ? input.principal.uid.__entity : input.principal.uid).type;
  if (!shape.principalTypes.has(principalType)) return requestInvalid(`principal type ${principalType} is not allowed for "${input.action}"`);
  if (!shape.resourceTypes.has('Server')) return requestInvalid(`"${input.action}" does not apply to a Server`);
  const args = conformToType(input.context.input ?? {}, shape.inputType, parts.shapes.names, '$.input');
  if (args.kind === 'invalid') return requestInvalid(`${args.path}: ${args.message}`);
  const prepared = parts.engine.slice(slice);
  const entityReads = parts.sliceEntityReads?.[slice] ?? READ_EVERYTHING;
  if (prepared === undefined) {
    return { kind: 'deny', code: 'ERR_POLICY_EVALUATION', decidingPolicies: [], errors: [{ message: `the policies of "${input.action}" could not be prepared` }] };
  }
  try {
    const answer = parts.authorize({
      principal: input.principal.uid,
      action: { type: 'Action', id: input.action },
      resource: { type: 'Server', id: input.resource },
      context: pickContext({ ...input.context, input: args.value }, parts.sliceReads[slice] ?? { kind: 'all' }),
      validateRequest: false,
      preparsedPolicySetId: prepared.id,
      entities: withoutBareEntities(pickEntityAttrs(requestEntities(parts.store, input, entityReads, shape.actionEntities), entityReads)),
    });
    return mapDecision(toBundlePolicyIds(answer, prepared.policyIds), parts.annotations);
  } catch (err) {
    return { kind: 'deny', code: 'ERR_POLICY_EVALUATION', decidingPolicies: [], errors: [{ message: err instanceof Error ? err.message : String(err) }] };
  }
}

/**
 * A call decided on a slice's preparsed policies (tools/list, tool-listing.ts); undefined when it cannot be,
 * including when preparing the slice would push out one that calls use.
 */
function decideOnSlice(parts: BundleParts, slice: number, call: Omit<StatefulAuthorizationCall, 'preparsedPolicySetId'>): AuthorizationAnswer | undefined {
  const prepared = parts.engine.sliceWithoutEvicting(slice);
  if (prepared === undefined) return undefined;
  try {
    return toBundlePolicyIds(parts.authorize({ ...call, preparsedPolicySetId: prepared.id }), prepared.policyIds);
  } catch {
    return undefined;
  }
}

function requestEntities(store: EntityStore, input: AuthorizationInput, reads: EntityReads, actionEntities: readonly EntityJson[]): EntityJson[] {
  const entities = collectRequestEntities(store, input, ancestorUnreadable(reads), reads.hierarchyTargets);
  return reads.actionLineage ? [...entities, ...actionEntities] : entities;
}

function requestInvalid(message: string): PolicyDecision {
  return { kind: 'deny', code: 'ERR_POLICY_REQUEST_INVALID', decidingPolicies: [], errors: [{ message }] };
}
