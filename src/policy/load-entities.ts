/** Parses entities.json (optional; empty when absent) and checks it against the completed schema. */
import { checkParseEntities, type EntityJson, type SchemaJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { BundleFile } from './bundle-files';
import type { BundleProblem } from './types';
import { problemsFromCedar } from './cedar-problems';

export function loadEntities(file: BundleFile | undefined, schema: SchemaJson<string>): { entities: EntityJson[]; problems: BundleProblem[] } {
  if (file === undefined) return { entities: [], problems: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(file.text);
  } catch (err) {
    return { entities: [], problems: [{ code: 'entities', file: file.path, message: `invalid JSON: ${(err as Error).message}` }] };
  }
  if (!Array.isArray(parsed)) {
    return { entities: [], problems: [{ code: 'entities', file: file.path, message: 'entities.json must be a JSON array of Cedar entities' }] };
  }
  const entities = parsed as EntityJson[];
  const answer = checkParseEntities({ entities, schema });
  if (answer.type === 'failure') return { entities: [], problems: problemsFromCedar(answer.errors, 'entities', () => undefined, file.path) };
  return { entities, problems: [] };
}
