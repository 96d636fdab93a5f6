/**
 * Removes the tools a caller may not call from an MCP `tools/list` result: every JSON-RPC response in the
 * text (one message or a batch) whose `result.tools` is an array keeps only the entries whose `name` is
 * in the visible set (an entry without a string name is removed too). Edits the text in place
 * (jsonc-parser), so everything else keeps its exact bytes. Text that is not JSON is `invalid`: the caller
 * fails closed rather than pass a list it could not read.
 */
import { findNodeAtLocation, parseTree, type Node, type ParseError } from 'jsonc-parser';

export type ToolFilterResult = { readonly kind: 'filtered'; readonly text: string; readonly removed: number } | { readonly kind: 'invalid' };

interface Edit {
  readonly offset: number;
  readonly length: number;
  readonly text: string;
  readonly removed: number;
}

/** The `result.tools` array of one message rewritten with only the visible entries (each kept byte for byte). */
function filterMessage(message: Node, text: string, visible: ReadonlySet<string>): Edit | undefined {
  const tools = message.type === 'object' ? findNodeAtLocation(message, ['result', 'tools']) : undefined;
  if (tools === undefined || tools.type !== 'array') return undefined;
  const entries = tools.children ?? [];
  const kept = entries.filter((entry) => {
    const value: unknown = entry.type === 'object' ? findNodeAtLocation(entry, ['name'])?.value : undefined;
    return typeof value === 'string' && visible.has(value);
  });
  if (kept.length === entries.length) return undefined;
  const body = kept.map((e) => text.slice(e.offset, e.offset + e.length)).join(',');
  return { offset: tools.offset, length: tools.length, text: `[${body}]`, removed: entries.length - kept.length };
}

export function filterToolList(text: string, visible: ReadonlySet<string>): ToolFilterResult {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (root === undefined || errors.length > 0) return { kind: 'invalid' };
  const messages = root.type === 'array' ? (root.children ?? []) : [root];
  const edits = messages.map((m) => filterMessage(m, text, visible)).filter((e): e is Edit => e !== undefined);
  let out = text;
  let removed = 0;
  // Last first: an edit never moves the offsets of the ones before it.
  for (const edit of edits.reverse()) {
    out = out.slice(0, edit.offset) + edit.text + out.slice(edit.offset + edit.length);
    removed += edit.removed;
  }
  return { kind: 'filtered', text: out, removed };
}
