/**
 * Reads what ext_authz decided from the metadata Envoy forwards to ext_proc
 * (`metadata_context.filter_metadata["envoy.filters.http.ext_authz"]`, envoy-semantics b.7). Anything but a
 * well-formed allow is `missing`: the session then fails closed.
 */
import type { Metadata__Output } from '../generated/envoy/config/core/v3/Metadata';
import { structToJson } from '../envoy/struct';
import type { JsonValue } from '../calls/types';

export const EXT_AUTHZ_NAMESPACE = 'envoy.filters.http.ext_authz';

export interface ForwardedDecision {
  readonly decisionId: string;
  readonly mask: readonly string[];
  readonly maskFields: readonly string[];
  readonly redactArgs: readonly string[];
  /** tools/list (and GET streams): the only tools that may stay in a `result.tools` list; absent: no filtering. */
  readonly visibleTools?: readonly string[];
}

export type DecisionLookup = { readonly kind: 'found'; readonly decision: ForwardedDecision } | { readonly kind: 'missing'; readonly why: string };

function stringList(value: JsonValue | undefined): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.every((v): v is string => typeof v === 'string') ? value : undefined;
}

export function readForwardedDecision(metadata: Metadata__Output | null | undefined): DecisionLookup {
  const struct = metadata?.filter_metadata[EXT_AUTHZ_NAMESPACE];
  if (struct === undefined) return { kind: 'missing', why: 'no ext_authz metadata forwarded' };
  const meta = structToJson(struct);
  if (meta.decision !== 'allow' || typeof meta.decision_id !== 'string') return { kind: 'missing', why: 'forwarded decision is not an allow' };
  const ob = meta.obligations;
  if (ob === null || typeof ob !== 'object' || Array.isArray(ob)) return { kind: 'missing', why: 'forwarded decision has no obligations' };
  const mask = stringList(ob.mask);
  const maskFields = stringList(ob.mask_fields);
  const redactArgs = stringList(ob.redact_args);
  const visibleTools = ob.visible_tools === undefined ? undefined : stringList(ob.visible_tools);
  if (mask === undefined || maskFields === undefined || redactArgs === undefined) return { kind: 'missing', why: 'forwarded obligations are malformed' };
  if (ob.visible_tools !== undefined && visibleTools === undefined) return { kind: 'missing', why: 'forwarded visible tools are malformed' };
  const decision: ForwardedDecision = { decisionId: meta.decision_id, mask, maskFields, redactArgs };
  return { kind: 'found', decision: visibleTools === undefined ? decision : { ...decision, visibleTools } };
}
