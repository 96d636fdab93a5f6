/**
 * What each policy of a bundle can read, from its JSON form: the attribute paths it reads off `context`
 * and `principal` (`context.input.card.number` → ["context","input","card","number"]), whether it uses
 * `context` whole, and which functions its action scope can match. A replay uses this to tell when a
 * recorded call lacks a value a policy reads (a masked argument), instead of guessing. Also where each
 * policy is written (file:line), for reports.
 */
import type { PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { readBundleFiles } from '../policy/bundle-files';
import { parsePolicyFiles } from '../policy/parse-policies';
import { locateByteOffset } from '../policy/source-location';
import { readPolicyAnnotations } from '../obligations/policy-annotations';

export interface PolicyReads {
  readonly id: string;
  /** `file:line` relative to the bundle directory. */
  readonly where: string;
  /** Attribute paths read, each starting with its variable (`context`, `principal`, …). */
  readonly paths: readonly (readonly string[])[];
  /** `context` (or `principal`) used other than through an attribute: everything it holds may matter. */
  readonly wholeVars: ReadonlySet<string>;
  /** The action scope: every function, exactly these, or these actions or groups. */
  readonly scope: { readonly kind: 'all' } | { readonly kind: 'eq' | 'in'; readonly ids: readonly string[] };
}

type Expr = unknown;

function varOf(node: Expr): string | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const v = (node as { Var?: unknown }).Var;
  return typeof v === 'string' ? v : undefined;
}

/** `a.b.c` (or `a.b has c`) → ["a","b","c"] when it starts at a variable; undefined otherwise. */
function chainOf(node: Expr): string[] | undefined {
  const root = varOf(node);
  if (root !== undefined) return [root];
  if (typeof node !== 'object' || node === null) return undefined;
  const access = (node as Record<string, unknown>)['.'] ?? (node as Record<string, unknown>).has;
  if (typeof access !== 'object' || access === null) return undefined;
  const { left, attr } = access as { left?: unknown; attr?: unknown };
  const parent = chainOf(left);
  return parent === undefined || typeof attr !== 'string' ? undefined : [...parent, attr];
}

function collect(node: Expr, paths: string[][], whole: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) collect(n, paths, whole);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const root = varOf(node);
  if (root !== undefined) {
    whole.add(root);
    return;
  }
  const chain = chainOf(node);
  if (chain !== undefined && chain.length > 1) {
    paths.push(chain);
    return;
  }
  for (const child of Object.values(node as Record<string, unknown>)) collect(child, paths, whole);
}

function scopeOf(json: PolicyJson): PolicyReads['scope'] {
  const action = json.action as { op: string; entity?: { id?: string; __entity?: { id: string } }; entities?: { id?: string; __entity?: { id: string } }[] };
  const idOf = (e: { id?: string; __entity?: { id: string } }): string => e.__entity?.id ?? e.id ?? '';
  if (action.op === '==' && action.entity !== undefined) return { kind: 'eq', ids: [idOf(action.entity)] };
  if (action.op === 'in') return { kind: 'in', ids: action.entities !== undefined ? action.entities.map(idOf) : action.entity !== undefined ? [idOf(action.entity)] : [] };
  return { kind: 'all' };
}

export function readsOfPolicy(id: string, where: string, json: PolicyJson): PolicyReads {
  const paths: string[][] = [];
  const whole = new Set<string>();
  for (const clause of json.conditions) collect(clause.body, paths, whole);
  return { id, where, paths, wholeVars: whole, scope: scopeOf(json) };
}

/** Whether a policy can apply to `fn`: an `in` scope naming something that is not a function is a group. */
export function canApplyTo(reads: PolicyReads, fn: string, isFunction: (name: string) => boolean): boolean {
  switch (reads.scope.kind) {
    case 'all':
      return true;
    case 'eq':
      return reads.scope.ids.includes(fn);
    case 'in':
      return reads.scope.ids.some((id) => id === fn || !isFunction(id));
  }
}

export async function readPolicyIndex(dir: string): Promise<Map<string, PolicyReads>> {
  const files = await readBundleFiles(dir);
  const index = new Map<string, PolicyReads>();
  for (const source of parsePolicyFiles(files.policies).policies) {
    const id = readPolicyAnnotations(source.json.effect, source.json.annotations ?? {}).annotations.id;
    if (id === undefined || index.has(id)) continue;
    const { line } = locateByteOffset(source.fileText, source.byteOffset);
    index.set(id, readsOfPolicy(id, `${source.file}:${line}`, source.json));
  }
  return index;
}
