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
import { parseTree, visit, type Node, type ParseError } from 'jsonc-parser';
import { isCardNumber } from './luhn';
import { renderMask } from './mask-style';
import { maskText } from './mask-text';
import { selectFieldNodes } from './select-fields';
import { addCount, type MaskCounts, type MaskPlan } from './types';

const MAX_NESTED_JSON = 4;

interface Edit {
  readonly offset: number;
  readonly length: number;
  readonly text: string;
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
    const edits = editsOf(value, plan, counts, depth + 1);
    if (edits !== undefined) return applyEdits(value, edits);
  }
  return maskText(value, plan.detectors, plan.style, counts);
}

/** The edits for a JSON text, or undefined when it is not JSON (then nothing was counted). */
function editsOf(text: string, plan: MaskPlan, counts: MaskCounts, depth: number): Edit[] | undefined {
  if (plan.fields.length === 0) return streamEdits(text, plan, counts, depth);
  const root = parseJson(text);
  return root === undefined ? undefined : collectEdits(text, root, plan, counts, depth);
}

/**
 * Without @mask_fields no syntax tree is needed: jsonc-parser's visitor streams the value literals past
 * (property names are not values and are left alone, as in the tree walk), with far fewer allocations.
 * Counts go to a scratch record and are kept only if the whole text was JSON.
 */
function streamEdits(text: string, plan: MaskPlan, counts: MaskCounts, depth: number): Edit[] | undefined {
  const masksCards = plan.detectors.some((d) => d.name === 'pan');
  const local: MaskCounts = {};
  const edits: Edit[] = [];
  let failed = false;
  visit(
    text,
    {
      onLiteralValue(value: unknown, offset: number, length: number) {
        if (typeof value === 'string') {
          const masked = maskString(value, plan, local, depth);
          if (masked !== value) edits.push({ offset, length, text: JSON.stringify(masked) });
        } else if (typeof value === 'number' && masksCards && length >= 13) {
          const literal = text.slice(offset, offset + length);
          if (isCardNumber(literal)) {
            edits.push({ offset, length, text: JSON.stringify(renderMask(plan.style, 'pan', literal)) });
            addCount(local, 'pan');
          }
        }
      },
      onError() {
        failed = true;
      },
    },
    { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
  );
  if (failed) return undefined;
  for (const [detector, n] of Object.entries(local)) addCount(counts, detector, n);
  return edits;
}

function collectEdits(text: string, root: Node, plan: MaskPlan, counts: MaskCounts, depth: number): Edit[] {
  const fieldNodes = selectFieldNodes(text, root, plan.fields);
  const masksCards = plan.detectors.some((d) => d.name === 'pan');
  const edits: Edit[] = [];
  const tracksFields = fieldNodes.size > 0;
  const visit = (node: Node): void => {
    if (tracksFields && fieldNodes.has(node)) {
      edits.push({ offset: node.offset, length: node.length, text: JSON.stringify('[REDACTED:field]') });
      addCount(counts, 'field');
      return;
    }
    const children = node.children;
    if (node.type === 'object' && children !== undefined) {
      for (const prop of children) {
        const v = prop.children?.[1];
        if (v !== undefined) visit(v);
      }
    } else if (node.type === 'array' && children !== undefined) {
      for (const child of children) visit(child);
    } else if (node.type === 'string') {
      const raw = node.value as string;
      const masked = maskString(raw, plan, counts, depth);
      if (masked !== raw) edits.push({ offset: node.offset, length: node.length, text: JSON.stringify(masked) });
    } else if (node.type === 'number' && masksCards && node.length >= 13) {
      const literal = text.slice(node.offset, node.offset + node.length);
      if (isCardNumber(literal)) {
        edits.push({ offset: node.offset, length: node.length, text: JSON.stringify(renderMask(plan.style, 'pan', literal)) });
        addCount(counts, 'pan');
      }
    }
  };
  visit(root);
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
  const edits = editsOf(text, plan, counts, 0);
  return edits === undefined ? maskText(text, plan.detectors, plan.style, counts) : applyEdits(text, edits);
}
