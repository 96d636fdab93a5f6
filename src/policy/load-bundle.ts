/**
 * loadBundle(dir): read → validate (validate-bundle.ts: complete the schema, parse and check every policy,
 * strict validation, entities; or the same result from the validation cache when `cacheDir` holds it for
 * exactly these files) → prepare (slices, schema shapes, explicit entities; slices preparsed under the
 * generation on first use). Returns every problem at once, or a ready bundle. Nothing is swapped here: the
 * caller decides when the new bundle starts serving.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PolicyAnnotations } from '../obligations/policy-annotations';
import type { BundleLoadResult, BundleProblem, OffThreadEvaluation } from './types';
import { readBundleFiles, type BundleFiles, type FileReads } from './bundle-files';
import { explicitEntities, schemaShapesOf } from './function-shapes';
import { combineContextReads } from './context-reads';
import { combineEntityReads } from './entity-reads';
import { readPolicyAnnotations } from '../obligations/policy-annotations';
import { validateBundleFiles, type ValidatedBundle } from './validate-bundle';
import { readValidationCache, validationCacheKey, writeValidationCache } from './validation-cache';
import { computeActionSlices } from './action-slices';
import { buildEntityStore } from './entity-store';
import { prepareEngine } from './prepare-engine';
import { keepDecidingAnnotations, shareEqual, shareShapes } from './share-equal';
import { createPolicyBundle, defaultAuthorize, type AuthorizeFn } from './policy-bundle';

export interface LoadBundleOptions {
  /**
   * Namespace of this load's preparsed ids in cedar-wasm's cache. Loading into a generation overwrites what
   * a previous load left there, so a bundle must not serve after another load reused its generation.
   * Default: a fresh unique id (safe for one-shot use; long-running reloaders alternate two, as watchBundle does).
   */
  readonly generation?: string;
  /** The Cedar call (tests inject a spy). */
  readonly authorize?: AuthorizeFn;
  /**
   * Directory of the validation cache (`engine.cache_dir`): a bundle whose files, base schema and Cedar
   * version were validated before is not validated again. A miss or an unreadable/corrupt entry means full
   * validation; only valid bundles are stored.
   */
  readonly cacheDir?: string;
  /** Stages the validated bundle on the worker pool (engine.workers > 0); the bundle carries it as `offThread`. */
  readonly offThread?: (validated: ValidatedBundle) => OffThreadEvaluation;
  /** Entries of each revision's tools/list cache (per caller and context); default 1000. */
  readonly toolListingCacheSize?: number;
  /** Most policies preparsed into cedar-wasm at once (engine.max_prepared_policies; prepare-engine.ts); 0 or absent = no limit. */
  readonly maxPreparedPolicies?: number;
  /** How the files are read (bundle-files.ts): `blocking` only where nothing waits on the event loop. Default `background`. */
  readonly fileReads?: FileReads;
}

/** Where the base schema is found: beside this module (ts-node, jest), else in src/ when running from dist/. */
export const BASE_SCHEMA_CANDIDATES = [join(__dirname, 'base.cedarschema'), join(__dirname, '..', '..', 'src', 'policy', 'base.cedarschema')];

export async function readBaseSchema(): Promise<string> {
  for (const candidate of BASE_SCHEMA_CANDIDATES.slice(0, -1)) {
    try {
      return await readFile(candidate, 'utf8');
    } catch {
      // try the next location
    }
  }
  return readFile(BASE_SCHEMA_CANDIDATES[BASE_SCHEMA_CANDIDATES.length - 1] ?? '', 'utf8');
}

export async function loadBundle(dir: string, options: LoadBundleOptions = {}): Promise<BundleLoadResult> {
  let files: BundleFiles;
  let baseText: string;
  try {
    files = await readBundleFiles(dir, options.fileReads);
    baseText = await readBaseSchema();
  } catch (err) {
    return invalid([{ code: 'io', file: dir, message: `cannot read the bundle: ${(err as Error).message}` }]);
  }
  if (options.cacheDir === undefined || options.cacheDir === '') return buildBundle(files, baseText, options);
  const key = validationCacheKey(files, baseText);
  const cached = await readValidationCache(options.cacheDir, key);
  if (cached !== undefined) return prepareBundle(cached, options);
  const validated = validateBundleFiles(files, baseText);
  if (validated.kind === 'invalid') return invalid(validated.problems);
  await writeValidationCache(options.cacheDir, key, validated.validated);
  return prepareBundle(validated.validated, options);
}

export function buildBundle(files: BundleFiles, baseText: string, options: LoadBundleOptions = {}): BundleLoadResult {
  const validated = validateBundleFiles(files, baseText);
  return validated.kind === 'invalid' ? invalid(validated.problems) : prepareBundle(validated.validated, options);
}

/** The cheap half: a validated bundle (fresh, cached or sent to a worker) → a serving bundle. */
export function prepareBundle(validated: ValidatedBundle, options: Omit<LoadBundleOptions, 'cacheDir'> = {}): BundleLoadResult {
  const functions = new Set(validated.functions);
  const parents = new Map<string, readonly string[]>(validated.parents);
  // A list, not a Map: keepDecidingAnnotations keeps the few that decide (100,000 Map entries cost ~40 ms).
  const annotations: [string, PolicyAnnotations][] = [];
  for (const p of validated.policies) {
    const read = readPolicyAnnotations(p.effect, p.annotations);
    // Validation already refused these; a cached or transferred bundle that disagrees is refused again.
    if (read.problems.length > 0 || read.annotations.id !== p.id) return invalid([{ code: 'annotation', message: `policy "${p.id}": annotations do not match its validation` }]);
    annotations.push([p.id, read.annotations]);
  }
  const policies = validated.policies;
  const { slices, sliceOf } = computeActionSlices(functions, parents, policies.map((p) => ({ id: p.id, action: p.action })));
  const textById = new Map(policies.map((p) => [p.id, p.text]));
  const engine = prepareEngine(options.generation ?? randomUUID(), slices, lookupIn(textById), { maxPreparedPolicies: options.maxPreparedPolicies ?? 0 });
  const shapes = shareShapes(schemaShapesOf(validated.schema, functions, parents));
  const explicit = explicitEntities(validated.entities, validated.schema, shapes.names);
  if (explicit.problems.length > 0) {
    return invalid(explicit.problems.map((message) => ({ code: 'entities', file: validated.entitiesFile, message })));
  }
  const readsById = new Map(policies.map((p) => [p.id, p.reads]));
  const sliceReadsOf = slices.map((ids) => ids.map((id) => readsById.get(id)).filter((r) => r !== undefined));
  const sliceReads = shareEqual(combinePerSlice(sliceReadsOf, (reads) => combineContextReads(reads.map((r) => r.context))));
  const sliceEntityReads = shareEqual(combinePerSlice(sliceReadsOf, (reads) => combineEntityReads(reads.map((r) => r.entity))));
  const bundle = createPolicyBundle({
    revision: validated.revision,
    policyIds: Object.freeze(policies.map((p) => p.id)),
    annotations: keepDecidingAnnotations(annotations),
    sliceOf,
    engine,
    store: buildEntityStore(explicit.entities),
    authorize: options.authorize ?? defaultAuthorize,
    shapes,
    sliceReads,
    sliceEntityReads,
    ...(options.offThread === undefined ? {} : { offThread: options.offThread(validated) }),
    slicePolicies: policiesOfSlice(slices, lookupIn(textById)),
    toolListingCacheSize: options.toolListingCacheSize ?? 1000,
  });
  return { kind: 'loaded', bundle };
}

/**
 * `combine` of each slice's policy reads, computed once per distinct sequence of read instances: a cached or
 * transferred bundle shares one instance per distinct reads value (validation-cache.ts), so slices whose
 * policies read alike (most, in a bundle of similar functions) get one result instance, which shareEqual
 * then answers without writing its key out again.
 */
function combinePerSlice<R extends object, C>(sliceReads: readonly (readonly R[])[], combine: (reads: readonly R[]) => C): C[] {
  const idOf = new Map<R, number>();
  const bySequence = new Map<string, C>();
  return sliceReads.map((reads) => {
    const sequence = reads.map((r) => {
      let id = idOf.get(r);
      if (id === undefined) idOf.set(r, (id = idOf.size));
      return id;
    }).join(',');
    let combined = bySequence.get(sequence);
    if (combined === undefined) bySequence.set(sequence, (combined = combine(reads)));
    return combined;
  });
}

/** Outside prepareBundle: a closure made there would keep its whole scope (every policy's reads) alive. */
function lookupIn(map: ReadonlyMap<string, string>): (key: string) => string | undefined {
  return (key) => map.get(key);
}

/** A slice's id → text record, built when tools/list asks (kept per slice it cost ~7 MB at 100,000 policies). */
function policiesOfSlice(slices: readonly (readonly string[])[], textOf: (id: string) => string | undefined): (slice: number) => Record<string, string> | undefined {
  return (slice) => {
    const ids = slices[slice];
    return ids === undefined ? undefined : Object.fromEntries(ids.map((id) => [id, textOf(id) ?? '']));
  };
}

function invalid(problems: readonly BundleProblem[]): BundleLoadResult {
  return { kind: 'invalid', problems };
}
