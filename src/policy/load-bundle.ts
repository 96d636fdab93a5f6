/**
 * loadBundle(dir): read → complete the schema → parse and check every policy (ids, annotations, strict
 * validation) → entities → slices → preparse under the generation. Returns every problem at once, or a
 * ready bundle. Nothing is swapped here: the caller decides when the new bundle starts serving.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PolicyAnnotations } from '../obligations/policy-annotations';
import type { BundleLoadResult, BundleProblem } from './types';
import { readBundleFiles, SCHEMA_FILE, type BundleFiles } from './bundle-files';
import { completeSchema } from './complete-schema';
import { explicitEntities, schemaShapesOf } from './function-shapes';
import { contextReadsOf } from './context-reads';
import { parsePolicyFiles } from './parse-policies';
import { checkPolicies } from './check-policies';
import { loadEntities } from './load-entities';
import { computeActionSlices } from './action-slices';
import { buildEntityStore } from './entity-store';
import { prepareEngine } from './prepare-engine';
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
    files = await readBundleFiles(dir);
    baseText = await readBaseSchema();
  } catch (err) {
    return invalid([{ code: 'io', file: dir, message: `cannot read the bundle: ${(err as Error).message}` }]);
  }
  return buildBundle(files, baseText, options);
}

export function buildBundle(files: BundleFiles, baseText: string, options: LoadBundleOptions = {}): BundleLoadResult {
  const schemaFile = files.schema ?? { path: SCHEMA_FILE, text: '' };
  const schema = completeSchema({ baseText, userFile: schemaFile.path, userText: schemaFile.text });
  const parsed = parsePolicyFiles(files.policies);
  if (schema.kind === 'invalid') return invalid([...schema.problems, ...parsed.problems]);
  const checked = checkPolicies(parsed.policies, schema.schema.json);
  const entities = loadEntities(files.entities, schema.schema.json);
  const problems = [...parsed.problems, ...checked.problems, ...entities.problems];
  if (problems.length > 0) return invalid(problems);

  const policies = [...checked.policies].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const { slices, sliceOf } = computeActionSlices(schema.schema.functions, schema.schema.parents, policies.map((p) => ({ id: p.id, action: p.json.action })));
  const textById = new Map(policies.map((p) => [p.id, p.text]));
  const prepared = prepareEngine(options.generation ?? randomUUID(), schema.schema.json, slices, textById);
  if (prepared.kind === 'invalid') return invalid(prepared.problems);
  const annotations = new Map<string, PolicyAnnotations>(policies.map((p) => [p.id, p.annotations]));
  const shapes = schemaShapesOf(schema.schema.json, schema.schema.functions, schema.schema.parents);
  const explicit = explicitEntities(entities.entities, schema.schema.json, shapes.names);
  if (explicit.problems.length > 0) {
    return invalid(explicit.problems.map((message) => ({ code: 'entities', file: files.entities?.path ?? 'entities.json', message })));
  }
  const jsonById = new Map(policies.map((p) => [p.id, p.json]));
  const sliceReads = slices.map((ids) => contextReadsOf(ids.map((id) => jsonById.get(id)).filter((j) => j !== undefined)));
  const bundle = createPolicyBundle({
    revision: files.revision,
    policyIds: Object.freeze(policies.map((p) => p.id)),
    annotations,
    sliceOf,
    engine: prepared.engine,
    store: buildEntityStore(explicit.entities),
    authorize: options.authorize ?? defaultAuthorize,
    shapes,
    sliceReads,
  });
  return { kind: 'loaded', bundle };
}

function invalid(problems: readonly BundleProblem[]): BundleLoadResult {
  return { kind: 'invalid', problems };
}
