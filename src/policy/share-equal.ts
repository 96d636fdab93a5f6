/**
 * Memory of a prepared bundle (bench/README.md, "Memory and steady state at 100,000"): per-function and
 * per-slice data is mostly equal values (10,000 functions with the same input type, slices reading the
 * same context attributes), and most policies carry no obligation. These helpers keep one instance of
 * each equal value and only the annotations a decision can use; what is kept reads exactly as before.
 */
import type { PolicyAnnotations } from '../obligations/policy-annotations';
import type { FunctionShape, SchemaShapes } from './function-shapes';
import { NO_OBLIGATIONS } from './types';

/**
 * A key equal for structurally equal values; Sets and Maps compare by content, in any order, and object
 * keys in any order. Written out directly rather than through JSON.stringify's replacer, which re-entered
 * JSON.stringify for every Set element and cost ~40 ms of a 10,000-policy start.
 */
export function canonicalKey(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  if (value instanceof Set) return `{"\\u0000set":[${[...(value as Set<unknown>)].map(canonicalKey).sort().join(',')}]}`;
  if (value instanceof Map) {
    const entries = [...(value as Map<unknown, unknown>)].map(([k, e]) => `[${canonicalKey(k)},${canonicalKey(e)}]`).sort();
    return `{"\\u0000map":[${entries.join(',')}]}`;
  }
  if (Array.isArray(value)) return `[${value.map((e: unknown) => (e === undefined || typeof e === 'function' ? 'null' : canonicalKey(e))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const fields: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const field = record[key];
    if (field === undefined || typeof field === 'function') continue;
    fields.push(`${JSON.stringify(key)}:${canonicalKey(field)}`);
  }
  return `{${fields.join(',')}}`;
}

/**
 * Returns `intern(value)`: the first value seen with the same canonical key (a string: the same text). An
 * object passed again (the same instance) gets the same answer without its key being written out again.
 */
export function createInterner(): <T>(value: T) => T {
  const seen = new Map<string, unknown>();
  const answered = new Map<object, unknown>();
  const texts = new Map<string, string>();
  return <T>(value: T): T => {
    if (typeof value === 'string') {
      // A string is its own key (no canonical key written out for each of, at 100,000 policies, ~40,000 reasons).
      const found = texts.get(value);
      if (found !== undefined) return found as T;
      texts.set(value, value);
      return value;
    }
    const isObject = typeof value === 'object' && value !== null;
    if (isObject && answered.has(value)) return answered.get(value) as T;
    const key = canonicalKey(value);
    const found = seen.get(key);
    const shared = (found === undefined ? value : found) as T;
    if (found === undefined) seen.set(key, value);
    if (isObject) answered.set(value, shared);
    return shared;
  };
}

/** The same values, equal ones sharing one instance. */
export function shareEqual<T>(values: readonly T[]): T[] {
  const intern = createInterner();
  return values.map((v) => intern(v));
}

/** Function shapes with equal type sets and input types shared between functions (schemaShapesOf already shares action entities). */
export function shareShapes(shapes: SchemaShapes): SchemaShapes {
  const intern = createInterner();
  const functions = new Map<string, FunctionShape>();
  for (const [name, shape] of shapes.functions) {
    functions.set(name, {
      principalTypes: intern(shape.principalTypes),
      resourceTypes: intern(shape.resourceTypes),
      inputType: intern(shape.inputType),
      actionEntities: shape.actionEntities,
    });
  }
  return { names: shapes.names, functions };
}

/**
 * Only the annotations that can change a decision (a @reason, an @approval group or an obligation), the
 * rest are dropped: map-decision.ts and tool-listing.ts read a missing entry as "none". Equal reasons,
 * groups and obligations share one instance.
 */
export function keepDecidingAnnotations(annotations: Iterable<readonly [string, PolicyAnnotations]>): Map<string, PolicyAnnotations> {
  const intern = createInterner();
  const kept = new Map<string, PolicyAnnotations>();
  for (const [id, a] of annotations) {
    const o = a.obligations;
    const hasObligation = o.mask.length > 0 || o.maskFields.length > 0 || o.redactArgs.length > 0;
    if (a.reason === undefined && a.approvalGroup === undefined && !hasObligation) continue;
    // Most kept policies (a @reason, an @approval group) carry no obligation: one shared empty value, no key.
    const entry: { id: string; obligations: PolicyAnnotations['obligations']; reason?: string; approvalGroup?: string } = { id, obligations: hasObligation ? intern(o) : NO_OBLIGATIONS };
    if (a.reason !== undefined) entry.reason = intern(a.reason);
    if (a.approvalGroup !== undefined) entry.approvalGroup = intern(a.approvalGroup);
    kept.set(id, entry);
  }
  return kept;
}
