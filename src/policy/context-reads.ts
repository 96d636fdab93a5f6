/**
 * Which top-level `context` attributes a set of policies can read, computed from each policy's JSON form
 * at load. Cedar evaluates a policy the same whatever else the context holds, so passing only these
 * attributes keeps the decision exactly Cedar's while converting less across the wasm boundary.
 * Any use of `context` other than `context.x` or `context has x` makes the whole context needed.
 */
import type { PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';

export type ContextReads = { readonly kind: 'all' } | { readonly kind: 'some'; readonly keys: ReadonlySet<string> };

function isContextVar(node: unknown): boolean {
  return typeof node === 'object' && node !== null && (node as { Var?: unknown }).Var === 'context';
}

function firstAttr(attr: unknown): string | undefined {
  if (typeof attr === 'string') return attr;
  return Array.isArray(attr) && typeof attr[0] === 'string' ? attr[0] : undefined;
}

/** Walks an expression; returns false when `context` is used whole. */
function collect(node: unknown, keys: Set<string>): boolean {
  if (Array.isArray(node)) return node.every((n) => collect(n, keys));
  if (typeof node !== 'object' || node === null) return true;
  if (isContextVar(node)) return false;
  for (const [op, body] of Object.entries(node as Record<string, unknown>)) {
    if ((op === '.' || op === 'has') && typeof body === 'object' && body !== null && isContextVar((body as { left?: unknown }).left)) {
      const attr = firstAttr((body as { attr?: unknown }).attr);
      if (attr === undefined) return false;
      keys.add(attr);
      continue;
    }
    if (!collect(body, keys)) return false;
  }
  return true;
}

export function contextReadsOf(policies: readonly PolicyJson[]): ContextReads {
  const keys = new Set<string>();
  for (const policy of policies) {
    for (const clause of policy.conditions) if (!collect(clause.body, keys)) return { kind: 'all' };
  }
  return { kind: 'some', keys };
}

export function pickContext<T>(context: Readonly<Record<string, T>>, reads: ContextReads): Record<string, T> {
  if (reads.kind === 'all') return { ...context };
  const out: Record<string, T> = {};
  for (const key of reads.keys) if (Object.prototype.hasOwnProperty.call(context, key)) out[key] = context[key] as T;
  return out;
}
