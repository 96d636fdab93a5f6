/**
 * @redact_args: removes the listed argument fields (dotted paths) from a request body before the function
 * sees it — top-level fields of an HTTP JSON body, `params.arguments.*` of an MCP `tools/call`. Edits the
 * text in place (jsonc-parser), so the rest of the body keeps its exact bytes.
 */
import { applyEdits, findNodeAtLocation, modify, parseTree, type ParseError } from 'jsonc-parser';

export type RedactResult = { readonly kind: 'redacted'; readonly text: string; readonly removed: number } | { readonly kind: 'invalid' };

export function redactArguments(text: string, fields: readonly string[]): RedactResult {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (root === undefined || errors.length > 0 || root.type !== 'object') return { kind: 'invalid' };
  const isMcp = findNodeAtLocation(root, ['jsonrpc']) !== undefined;
  const base = isMcp ? ['params', 'arguments'] : [];
  let out = text;
  let removed = 0;
  for (const field of fields) {
    const path = [...base, ...field.split('.')];
    for (;;) {
      const tree = parseTree(out);
      if (tree === undefined || findNodeAtLocation(tree, path) === undefined) break;
      const next = applyEdits(out, modify(out, path, undefined, {}));
      if (next === out) break;
      out = next;
      removed += 1;
    }
  }
  return { kind: 'redacted', text: out, removed };
}
