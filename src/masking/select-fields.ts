/**
 * @mask_fields: the syntax-tree nodes an RFC 9535 JSONPath selects in a JSON document. The paths run on the
 * document's value (read once with the native `JSON.parse`, which keeps the LAST of duplicate keys) and,
 * only when the document has duplicate keys, also on the reading where the FIRST wins; every node on a
 * selected path is then taken, duplicates included. A JSON-RPC result's `structuredContent` is a document
 * of its own: the paths apply relative to it too.
 */
import { getNodeValue, type Node } from 'jsonc-parser';

type Segment = string | number;

/** Loaded on the first @mask_fields selection, so a start whose policies have none does not load it. */
let jsonPath: typeof import('jsonpath-rfc9535') | undefined;
const jsonPathLibrary = (): typeof import('jsonpath-rfc9535') => (jsonPath ??= require('jsonpath-rfc9535') as typeof import('jsonpath-rfc9535'));

const SUB_DOCUMENT: readonly string[] = ['result', 'structuredContent'];

/** Does any object in the tree repeat a key? (Small objects compare in place; no copies.) */
function hasDuplicateKeys(node: Node): boolean {
  const children = node.children ?? [];
  if (node.type === 'object') {
    const keys = children.map((p) => p.children?.[0]?.value as unknown);
    if (new Set(keys).size !== keys.length) return true;
    return children.some((p) => p.children?.[1] !== undefined && hasDuplicateKeys(p.children[1]));
  }
  return node.type === 'array' && children.some(hasDuplicateKeys);
}

/** The node's value where the FIRST of duplicate keys wins. */
function firstWinsValue(node: Node): unknown {
  if (node.type === 'array') return (node.children ?? []).map(firstWinsValue);
  if (node.type !== 'object') return node.value;
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const prop of node.children ?? []) {
    const [k, v] = prop.children ?? [];
    const key = String(k?.value);
    if (v !== undefined && !Object.prototype.hasOwnProperty.call(out, key)) out[key] = firstWinsValue(v);
  }
  return out;
}

/** Every node at `path` (all duplicates of a key along the way). */
function collectNodesAt(node: Node, path: readonly Segment[], at: number, out: Set<Node>): void {
  if (at === path.length) {
    out.add(node);
    return;
  }
  const segment = path[at];
  if (node.type === 'array' && typeof segment === 'number') {
    const child = node.children?.[segment];
    if (child !== undefined) collectNodesAt(child, path, at + 1, out);
    return;
  }
  if (node.type !== 'object' || typeof segment !== 'string') return;
  for (const prop of node.children ?? []) {
    const [k, v] = prop.children ?? [];
    if (v !== undefined && k?.value === segment) collectNodesAt(v, path, at + 1, out);
  }
}

function childAt(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const key of path) {
    if (at === null || typeof at !== 'object' || Array.isArray(at) || !Object.prototype.hasOwnProperty.call(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function valueOf(text: string, root: Node): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return getNodeValue(root);
  }
}

export function selectFieldNodes(text: string, root: Node, fields: readonly string[]): Set<Node> {
  const selected = new Set<Node>();
  if (fields.length === 0) return selected;
  const readings = [valueOf(text, root)];
  if (hasDuplicateKeys(root)) readings.push(firstWinsValue(root));
  const documents: { prefix: readonly string[]; value: unknown }[] = [];
  for (const value of readings) {
    documents.push({ prefix: [], value });
    const sub = childAt(value, SUB_DOCUMENT);
    if (sub !== undefined) documents.push({ prefix: SUB_DOCUMENT, value: sub });
  }
  const paths = new Map<string, readonly Segment[]>();
  const { exec } = jsonPathLibrary();
  for (const doc of documents) {
    for (const field of fields) {
      exec(doc.value as never, field, (_v, p) => {
        const full = [...doc.prefix, ...(p as readonly Segment[])];
        paths.set(JSON.stringify(full), full);
      });
    }
  }
  for (const path of paths.values()) collectNodesAt(root, path, 0, selected);
  return selected;
}
