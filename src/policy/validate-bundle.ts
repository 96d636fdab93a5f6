/**
 * The expensive, cacheable half of loading a bundle: complete the schema, parse every policy, check ids,
 * annotations and strict validation, check entities.json against the schema. The result is plain data
 * (JSON- and structured-clone-safe), so it can be cached on disk (validation-cache.ts) or handed to a
 * worker thread, and prepareBundle (load-bundle.ts) turns it into a serving bundle.
 */
import type { EntityJson, PolicyJson, SchemaJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { PolicyEffect } from '../obligations/policy-annotations';
import type { BundleFiles } from './bundle-files';
import { SCHEMA_FILE } from './bundle-files';
import { completeSchema } from './complete-schema';
import { parsePolicyFiles } from './parse-policies';
import { checkPolicies } from './check-policies';
import { loadEntities } from './load-entities';
import type { BundleProblem } from './types';
import { policyContextReads, type PolicyContextReads } from './context-reads';
import { policyEntityReads, type PolicyEntityReads } from './entity-reads';

/**
 * A checked policy, as much of it as serving needs: its text (preparsed into Cedar per slice), the parts of
 * its Cedar JSON that slicing and obligations use, and what it reads (computed once here, so a cached or
 * transferred bundle carries no condition trees).
 */
export interface ValidatedPolicy {
  readonly id: string;
  readonly text: string;
  readonly effect: PolicyEffect;
  /** The action scope, as in Cedar's JSON form. */
  readonly action: PolicyJson['action'];
  /** Every annotation, as in Cedar's JSON form. */
  readonly annotations: NonNullable<PolicyJson['annotations']>;
  readonly reads: { readonly context: PolicyContextReads; readonly entity: PolicyEntityReads };
}

export interface ValidatedBundle {
  readonly revision: string;
  /** The completed schema (base + bundle schema, contexts completed). */
  readonly schema: SchemaJson<string>;
  /** Callable actions, in schema order. */
  readonly functions: readonly string[];
  /** Declared action → its direct parents. */
  readonly parents: readonly (readonly [string, readonly string[]])[];
  /** Every policy, sorted by id. */
  readonly policies: readonly ValidatedPolicy[];
  /** entities.json as Cedar checked it against the schema. */
  readonly entities: readonly EntityJson[];
  readonly entitiesFile: string;
}

export type ValidateResult = { readonly kind: 'valid'; readonly validated: ValidatedBundle } | { readonly kind: 'invalid'; readonly problems: readonly BundleProblem[] };

export function validateBundleFiles(files: BundleFiles, baseText: string): ValidateResult {
  const schemaFile = files.schema ?? { path: SCHEMA_FILE, text: '' };
  const schema = completeSchema({ baseText, userFile: schemaFile.path, userText: schemaFile.text });
  const parsed = parsePolicyFiles(files.policies);
  if (schema.kind === 'invalid') return { kind: 'invalid', problems: [...schema.problems, ...parsed.problems] };
  const checked = checkPolicies(parsed.policies, schema.schema.json);
  const entities = loadEntities(files.entities, schema.schema.json);
  const problems = [...parsed.problems, ...checked.problems, ...entities.problems];
  if (problems.length > 0) return { kind: 'invalid', problems };
  const policies = [...checked.policies]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((p): ValidatedPolicy => ({
      id: p.id,
      text: p.text,
      effect: p.json.effect,
      action: p.json.action,
      annotations: p.json.annotations ?? {},
      reads: { context: policyContextReads(p.json), entity: policyEntityReads(p.json) },
    }));
  return {
    kind: 'valid',
    validated: {
      revision: files.revision,
      schema: schema.schema.json,
      functions: [...schema.schema.functions],
      parents: [...schema.schema.parents].map(([name, list]) => [name, [...list]] as const),
      policies,
      entities: entities.entities,
      entitiesFile: files.entities?.path ?? 'entities.json',
    },
  };
}
