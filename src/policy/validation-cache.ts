/**
 * The validation cache (`engine.cache_dir`): the result of validating a bundle (validate-bundle.ts), stored
 * under a key that is the SHA-256 of everything validation depends on: the cache format, the Cedar version,
 * callgate's base schema and every bundle file's path and content. Reading back is fail-closed: an entry
 * that is missing, unreadable, not for this key, fails its own SHA-256 digest or has the wrong shape is a
 * miss, and the bundle is validated in full. Only valid bundles are ever written (atomically: temp file +
 * rename), and only the newest KEEP_ENTRIES entries are kept. The directory must be as trusted as the
 * bundle directory itself: an entry is a statement that these exact files passed validation.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getCedarVersion } from '@cedar-policy/cedar-wasm/nodejs';
import { z } from 'zod';
import type { BundleFiles } from './bundle-files';
import type { ValidatedBundle, ValidatedPolicy } from './validate-bundle';

// 2: policies carry their effect, action scope, annotations and an index into a table of distinct reads
// instead of their whole Cedar JSON.
const FORMAT = 'callgate-validation-cache/2';
const SUFFIX = '.validated.json';
export const KEEP_ENTRIES = 8;

const names = z.array(z.string());
const readsSchema = z.object({
  context: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('all') }),
    z.object({ kind: z.literal('some'), keys: names, whole: names, fields: z.array(z.tuple([z.string(), names])) }),
  ]),
  entity: z.object({ attrs: names.nullable(), hierarchyOnVariables: z.boolean(), hierarchyTargets: names.nullable(), actionLineage: z.boolean() }),
});
/**
 * One stored policy. `reads` is an index into the entry's `reads`: most policies read alike, and each
 * distinct value is stored once. Checked by a plain loop (isStoredPolicy) rather than a zod object per
 * policy: zod's checks cost ~4–6 µs a policy while its code runs cold, the loop well under 1 µs (reading a
 * 10,000-policy entry in a fresh process: 99 → 45 ms; ready on one core ~20–30 ms sooner, bench/README.md
 * "Cheaper cached start"). It refuses what the zod shape refused.
 */
interface StoredPolicy {
  readonly id: string;
  readonly text: string;
  readonly effect: 'permit' | 'forbid';
  readonly action: { readonly op: string };
  readonly annotations: Readonly<Record<string, string>>;
  readonly reads: number;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function isStringRecord(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  for (const key of Object.keys(value)) if (typeof value[key] !== 'string') return false;
  return true;
}

function isStoredPolicy(value: unknown): value is StoredPolicy {
  if (!isPlainObject(value)) return false;
  const { id, text, effect, action, annotations, reads } = value;
  return typeof id === 'string' && typeof text === 'string' && (effect === 'permit' || effect === 'forbid') && isPlainObject(action) && typeof action.op === 'string'
    && isStringRecord(annotations) && Number.isSafeInteger(reads) && (reads as number) >= 0;
}

const storedPolicies = z.custom<StoredPolicy[]>((value) => Array.isArray(value) && value.every(isStoredPolicy), 'a policy of the entry has the wrong shape');

/**
 * The fields prepareBundle relies on; Cedar JSON inside (action scopes, schema, entities) is kept as Cedar
 * produced it. The check only reads: other keys are allowed, and what is returned is the parsed entry
 * itself, not zod's copy of it (copying 10,000 policies' Cedar JSON tripled the check's cost at start).
 */
const entrySchema = z.object({
  format: z.literal(FORMAT),
  key: z.string(),
  reads: z.array(readsSchema),
  validated: z.object({
    revision: z.string(),
    schema: z.record(z.string(), z.unknown()),
    functions: z.array(z.string()),
    parents: z.array(z.tuple([z.string(), z.array(z.string())])),
    policies: storedPolicies,
    entities: z.array(z.unknown()),
    entitiesFile: z.string(),
  }),
});

export function validationCacheKey(files: BundleFiles, baseText: string): string {
  const hash = createHash('sha256');
  const add = (label: string, text: string): void => {
    hash.update(`${label}\0${Buffer.byteLength(text, 'utf8')}\0`);
    hash.update(text, 'utf8');
  };
  add('format', FORMAT);
  add('cedar', getCedarVersion());
  add('base', baseText);
  for (const file of files.policies) add(`policy:${file.path}`, file.text);
  if (files.schema !== undefined) add(`schema:${files.schema.path}`, files.schema.text);
  if (files.entities !== undefined) add(`entities:${files.entities.path}`, files.entities.text);
  add('revision', files.revision);
  return hash.digest('hex');
}

const digestOf = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The cached validation for `key`, or undefined (a miss) for anything short of an intact entry for it. */
export async function readValidationCache(dir: string, key: string): Promise<ValidatedBundle | undefined> {
  try {
    // Hashed as the bytes read (the same digest as of the UTF-8 text), then decoded once for parsing.
    const raw = await readFile(join(dir, `${key}${SUFFIX}`));
    const newline = raw.indexOf(0x0a);
    if (newline < 0) return undefined;
    const body = raw.subarray(newline + 1);
    if (raw.toString('utf8', 0, newline) !== createHash('sha256').update(body).digest('hex')) return undefined;
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    const entry = entrySchema.safeParse(parsed);
    if (!entry.success || entry.data.key !== key) return undefined;
    const stored = parsed as { reads: ValidatedPolicy['reads'][]; validated: { policies: { reads: unknown }[] } };
    // In place, so equal reads stay one shared value: an index outside the table is a miss.
    for (const policy of stored.validated.policies) {
      const reads = stored.reads[policy.reads as number];
      if (reads === undefined) return undefined;
      policy.reads = reads;
    }
    return stored.validated as unknown as ValidatedBundle;
  } catch {
    return undefined;
  }
}

/** Stores a valid bundle's validation; a failure to write only costs the next start a full validation. */
export async function writeValidationCache(dir: string, key: string, validated: ValidatedBundle): Promise<boolean> {
  const table: ValidatedPolicy['reads'][] = [];
  const indexOf = new Map<string, number>();
  const policies = validated.policies.map((policy) => {
    const text = JSON.stringify(policy.reads);
    let index = indexOf.get(text);
    if (index === undefined) {
      index = table.push(policy.reads) - 1;
      indexOf.set(text, index);
    }
    return { ...policy, reads: index };
  });
  const body = JSON.stringify({ format: FORMAT, key, reads: table, validated: { ...validated, policies } });
  const target = join(dir, `${key}${SUFFIX}`);
  const temp = `${target}.${randomUUID()}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(temp, `${digestOf(body)}\n${body}`, { mode: 0o600 });
    await rename(temp, target);
    await pruneValidationCache(dir);
    return true;
  } catch {
    await unlink(temp).catch(() => undefined);
    return false;
  }
}

async function pruneValidationCache(dir: string): Promise<void> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(SUFFIX));
  if (names.length <= KEEP_ENTRIES) return;
  const dated = await Promise.all(names.map(async (name) => ({ name, mtimeMs: (await stat(join(dir, name))).mtimeMs })));
  dated.sort((a, b) => b.mtimeMs - a.mtimeMs);
  await Promise.all(dated.slice(KEEP_ENTRIES).map((d) => unlink(join(dir, d.name)).catch(() => undefined)));
}
