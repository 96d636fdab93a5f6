/** The immutable, prepared bundle revision: evaluate() is synchronous and never throws (fail closed). */
import { statefulIsAuthorized, type AuthorizationAnswer, type StatefulAuthorizationCall } from '@cedar-policy/cedar-wasm/nodejs';
import type { PolicyAnnotations } from '../obligations/policy-annotations';
import type { AuthorizationInput, PolicyBundle, PolicyDecision } from './types';
import { collectRequestEntities, type EntityStore } from './entity-store';
import { mapDecision } from './map-decision';
import type { PreparedEngine } from './prepare-engine';
import { widenDecimals, type DecimalShape } from './decimal-inputs';

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
  /** Actions whose input declares decimals: integer arguments there are widened to decimal. */
  readonly decimalInputs: ReadonlyMap<string, DecimalShape>;
}

export function createPolicyBundle(parts: BundleParts): PolicyBundle {
  const bundle: PolicyBundle = {
    revision: parts.revision,
    policyIds: parts.policyIds,
    hasFunction: (name) => parts.sliceOf.has(name),
    evaluate: (input) => evaluateInput(parts, input),
  };
  return Object.freeze(bundle);
}

function evaluateInput(parts: BundleParts, input: AuthorizationInput): PolicyDecision {
  const slice = parts.sliceOf.get(input.action);
  const sliceId = slice === undefined ? undefined : parts.engine.sliceIds[slice];
  if (sliceId === undefined) {
    return { kind: 'deny', code: 'ERR_POLICY_UNKNOWN_FUNCTION', decidingPolicies: [], errors: [{ message: `unknown function "${input.action}"` }] };
  }
  try {
    const answer = parts.authorize({
      principal: input.principal.uid,
      action: { type: 'Action', id: input.action },
      resource: { type: 'Server', id: input.resource },
      context: contextFor(parts, input),
      preparsedSchemaName: parts.engine.schemaName,
      validateRequest: true,
      preparsedPolicySetId: sliceId,
      entities: collectRequestEntities(parts.store, input),
    });
    return mapDecision(answer, parts.annotations);
  } catch (err) {
    return { kind: 'deny', code: 'ERR_POLICY_EVALUATION', decidingPolicies: [], errors: [{ message: err instanceof Error ? err.message : String(err) }] };
  }
}

function contextFor(parts: BundleParts, input: AuthorizationInput): AuthorizationInput['context'] {
  const shape = parts.decimalInputs.get(input.action);
  const args = input.context.input;
  if (shape === undefined || args === undefined) return { ...input.context };
  return { ...input.context, input: widenDecimals(args, shape) };
}
