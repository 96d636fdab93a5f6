/**
 * Structure-aware masking of a JSON text. The text is parsed into a syntax tree (jsonc-parser) and only the
 * offending tokens are rewritten in place, so formatting, key order, number spellings and every type that
 * is not masked stay exactly as the function sent them and the result is valid JSON:
 * - @mask_fields JSONPaths (RFC 9535, jsonpath-rfc9535) replace the whole selected value by a string;
 * - every string is masked by the detectors; a string holding JSON (MCP `content[].text` twins of
 *   `structuredContent`) is masked as JSON, paths included, and re-encoded;
 * - a number literal that is a card number becomes a masked string (the only type change: the value is gone).
 * A text that is not JSON is masked as plain text.
 */
import { findNodeAtLocation, getNodeValue, parseTree, type Node, type ParseError } from 'jsonc-parser';
import { exec } from 'jsonpath-rfc9535';
import { isCardNumber } from './luhn';
import { renderMask } from './mask-style';
import { maskText } from './mask-text';
import { addCount, type MaskCounts, type MaskPlan } from './types';

const MAX_NESTED_JSON = 4;

interface Edit {
  readonly offset: number;
  readonly length: number;
  readonly text: string;
}

type PathKey = string;

/** A path as one string, built the same way here and while walking: no arrays per node. */
function childKey(parent: PathKey, segment: string | number): PathKey {
  return typeof segment === 'number' ? `${parent}\u001f#${segment}` : `${parent}\u001f.${segment}`;
}

function keyOf(path: readonly (string | number)[]): PathKey {
  let key = '';
  for (const segment of path) key = childKey(key, segment);
  return key;
}

/** A JSON-RPC result's `structuredContent` is a document of its own: @mask_fields apply relative to it too. */
const SUB_DOCUMENTS: readonly (readonly string[])[] = [['result', 'structuredContent']];

/** The node's value where the FIRST of duplicate keys wins (getNodeValue keeps the last). */
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

/**
 * Path keys selected by the plan's JSONPaths in this document. With duplicate keys a reader may keep the
 * first or the last, so the paths are evaluated on both readings and every duplicate on a path is redacted.
 */
function selectFieldPaths(root: Node, fields: readonly string[]): Set<PathKey> {
  const selected = new Set<PathKey>();
  if (fields.length === 0) return selected;
  const documents: { prefix: readonly string[]; value: unknown }[] = [
    { prefix: [], value: getNodeValue(root) },
    { prefix: [], value: firstWinsValue(root) },
  ];
  for (const prefix of SUB_DOCUMENTS) {
    const sub = findNodeAtLocation(root, [...prefix]);
    if (sub !== undefined) documents.push({ prefix, value: getNodeValue(sub) }, { prefix, value: firstWinsValue(sub) });
  }
  for (const doc of documents) {
    for (const field of fields) exec(doc.value as never, field, (_v, p) => selected.add(keyOf([...doc.prefix, ...p])));
  }
  return selected;
}

function parseJson(text: string): Node | undefined {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  return errors.length === 0 ? root : undefined;
}

function looksLikeJson(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith('{') || t.startsWith('[');
}

function maskString(value: string, plan: MaskPlan, counts: MaskCounts, depth: number): string {
  if (depth < MAX_NESTED_JSON && looksLikeJson(value)) {
    const inner = parseJson(value);
    if (inner !== undefined) return applyEdits(value, collectEdits(value, inner, plan, counts, depth + 1));
  }
  return maskText(value, plan.detectors, plan.style, counts);
}

function collectEdits(text: string, root: Node, plan: MaskPlan, counts: MaskCounts, depth: number): Edit[] {
  const fieldPaths = selectFieldPaths(root, plan.fields);
  const masksCards = plan.detectors.some((d) => d.name === 'pan');
  const edits: Edit[] = [];
  const tracksPaths = fieldPaths.size > 0;
  const visit = (node: Node, path: PathKey): void => {
    if (tracksPaths && fieldPaths.has(path)) {
      edits.push({ offset: node.offset, length: node.length, text: JSON.stringify('[REDACTED:field]') });
      addCount(counts, 'field');
      return;
    }
    if (node.type === 'object') {
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (k !== undefined && v !== undefined) visit(v, tracksPaths ? childKey(path, String(k.value)) : path);
      }
    } else if (node.type === 'array') {
      (node.children ?? []).forEach((child, i) => visit(child, tracksPaths ? childKey(path, i) : path));
    } else if (node.type === 'string') {
      const raw = String(node.value);
      const masked = maskString(raw, plan, counts, depth);
      if (masked !== raw) edits.push({ offset: node.offset, length: node.length, text: JSON.stringify(masked) });
    } else if (node.type === 'number' && masksCards) {
      const literal = text.slice(node.offset, node.offset + node.length);
      if (isCardNumber(literal)) {
        edits.push({ offset: node.offset, length: node.length, text: JSON.stringify(renderMask(plan.style, 'pan', literal)) });
        addCount(counts, 'pan');
      }
    }
  };
  visit(root, '');
  return edits;
}

function applyEdits(text: string, edits: readonly Edit[]): string {
  if (edits.length === 0) return text;
  const sorted = [...edits].sort((a, b) => a.offset - b.offset);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    out += text.slice(at, e.offset) + e.text;
    at = e.offset + e.length;
  }
  return out + text.slice(at);
}

/** Masks a JSON document (or, when it does not parse, the plain text). Never throws. */
export function maskJsonText(text: string, plan: MaskPlan, counts: MaskCounts): string {
  const root = parseJson(text);
  if (root === undefined) return maskText(text, plan.detectors, plan.style, counts);
  return applyEdits(text, collectEdits(text, root, plan, counts, 0));
}
