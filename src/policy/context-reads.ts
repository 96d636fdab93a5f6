/**
 * Which top-level `context` attributes a set of policies can read, computed from each policy's JSON form
 * when it is validated (policyContextReads, kept with the validated bundle) and combined per slice at load
 * (combineContextReads). Cedar evaluates a policy the same whatever else the context holds, so passing only these
 * attributes keeps the decision exactly Cedar's while converting less across the wasm boundary.
 * Any use of `context` other than `context.x` or `context has x` makes the whole context needed.
 * One level deeper the same holds for a record attribute: when `context.x` is only ever used as
 * `context.x.y` or `context.x has y`, only those `y` of the record `x` are passed (`fields`).
 */
import type { PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';

export type ContextReads =
  | { readonly kind: 'all' }
  | {
      readonly kind: 'some';
      readonly keys: ReadonlySet<string>;
      /** Keys whose record value only its listed attributes are read of (absent: none narrowed). */
      readonly fields?: ReadonlyMap<string, ReadonlySet<string>>;
    };

interface Collected {
  readonly keys: Set<string>;
  /** Keys used as a whole value somewhere (`context.x` not followed by `.y` / `has y`). */
  readonly whole: Set<string>;
  readonly fields: Map<string, Set<string>>;
}

function isContextVar(node: unknown): boolean {
  return typeof node === 'object' && node !== null && (node as { Var?: unknown }).Var === 'context';
}

function firstAttr(attr: unknown): string | undefined {
  if (typeof attr === 'string') return attr;
  return Array.isArray(attr) && typeof attr[0] === 'string' ? attr[0] : undefined;
}

/** `context.x` (a `.` access with a plain string attribute): x, else undefined. */
function contextKeyOf(node: unknown): string | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const body = (node as { '.'?: { left?: unknown; attr?: unknown } })['.'];
  if (Object.keys(node).length !== 1 || typeof body !== 'object' || body === null) return undefined;
  return isContextVar(body.left) && typeof body.attr === 'string' ? body.attr : undefined;
}

/** Walks an expression; returns false when `context` is used whole. */
function collect(node: unknown, acc: Collected): boolean {
  if (Array.isArray(node)) return node.every((n) => collect(n, acc));
  if (typeof node !== 'object' || node === null) return true;
  if (isContextVar(node)) return false;
  for (const [op, body] of Object.entries(node as Record<string, unknown>)) {
    if ((op === '.' || op === 'has') && typeof body === 'object' && body !== null) {
      const { left, attr } = body as { left?: unknown; attr?: unknown };
      if (isContextVar(left)) {
        const first = firstAttr(attr);
        if (first === undefined) return false;
        acc.keys.add(first);
        if (op === '.' || typeof attr !== 'string') acc.whole.add(first);
        continue;
      }
      const key = contextKeyOf(left);
      if (key !== undefined && typeof attr === 'string') {
        acc.keys.add(key);
        const fields = acc.fields.get(key) ?? new Set<string>();
        fields.add(attr);
        acc.fields.set(key, fields);
        continue;
      }
    }
    if (!collect(body, acc)) return false;
  }
  return true;
}

/**
 * What one policy reads of the context, as plain JSON (kept in the validation cache and sent to workers, so a
 * start needs no policy's Cedar JSON): `all`, or the keys read, the keys read as a whole value, and per key
 * the record attributes read of it.
 */
export type PolicyContextReads =
  | { readonly kind: 'all' }
  | { readonly kind: 'some'; readonly keys: readonly string[]; readonly whole: readonly string[]; readonly fields: readonly (readonly [string, readonly string[]])[] };

export function policyContextReads(policy: PolicyJson): PolicyContextReads {
  const acc: Collected = { keys: new Set(), whole: new Set(), fields: new Map() };
  for (const clause of policy.conditions) if (!collect(clause.body, acc)) return { kind: 'all' };
  return { kind: 'some', keys: [...acc.keys], whole: [...acc.whole], fields: [...acc.fields].map(([key, names]) => [key, [...names]] as const) };
}

/** A set of policies' reads: those of each policy together (contextReadsOf of their Cedar JSON). */
export function combineContextReads(reads: readonly PolicyContextReads[]): ContextReads {
  const acc: Collected = { keys: new Set(), whole: new Set(), fields: new Map() };
  for (const read of reads) {
    if (read.kind === 'all') return { kind: 'all' };
    for (const key of read.keys) acc.keys.add(key);
    for (const key of read.whole) acc.whole.add(key);
    for (const [key, names] of read.fields) {
      const fields = acc.fields.get(key) ?? new Set<string>();
      for (const name of names) fields.add(name);
      acc.fields.set(key, fields);
    }
  }
  const fields = new Map([...acc.fields].filter(([key]) => !acc.whole.has(key)));
  return fields.size === 0 ? { kind: 'some', keys: acc.keys } : { kind: 'some', keys: acc.keys, fields };
}

export function contextReadsOf(policies: readonly PolicyJson[]): ContextReads {
  return combineContextReads(policies.map(policyContextReads));
}

/** A Cedar record in JSON form (not an entity reference, extension value or set). */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !('__entity' in value) && !('__extn' in value);
}

export function pickContext<T>(context: Readonly<Record<string, T>>, reads: ContextReads): Record<string, T> {
  if (reads.kind === 'all') return { ...context };
  const out: Record<string, T> = {};
  for (const key of reads.keys) {
    if (!Object.prototype.hasOwnProperty.call(context, key)) continue;
    const value = context[key] as T;
    const fields = reads.fields?.get(key);
    out[key] = fields !== undefined && isRecord(value) ? (pickFields(value, fields) as T) : value;
  }
  return out;
}

function pickFields(record: Readonly<Record<string, unknown>>, fields: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) if (Object.prototype.hasOwnProperty.call(record, field)) out[field] = record[field];
  return out;
}
