/**
 * A YAML node → JSON text, keeping every number exactly as written (`amount: 120.50` becomes `120.50`, not
 * `120.5`), so a case's input reaches the call parser as the same bytes a caller would send and decimals map
 * to Cedar exactly as they do in serve. Values JSON cannot hold (.inf, .nan, binary, dates) are refused.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';

const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

export type JsonTextResult = { readonly kind: 'json'; readonly text: string } | { readonly kind: 'invalid'; readonly message: string; readonly node: Node };

class NotJson extends Error {
  constructor(
    message: string,
    readonly node: Node,
  ) {
    super(message);
  }
}

export function yamlNodeToJsonText(node: Node | null | undefined, doc: Document): JsonTextResult {
  try {
    return { kind: 'json', text: node === null || node === undefined ? '{}' : write(node, doc, 0) };
  } catch (err) {
    if (err instanceof NotJson) return { kind: 'invalid', message: err.message, node: err.node };
    throw err;
  }
}

function write(node: Node, doc: Document, depth: number): string {
  if (depth > 200) throw new NotJson('input is nested too deeply', node);
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (target === undefined) throw new NotJson('alias does not resolve', node);
    return write(target, doc, depth + 1);
  }
  if (isMap(node)) {
    const parts = node.items.map((pair) => {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean') throw new NotJson('object keys must be scalars', node);
      const value = pair.value === null ? 'null' : write(pair.value as Node, doc, depth + 1);
      return `${JSON.stringify(String(key))}:${value}`;
    });
    return `{${parts.join(',')}}`;
  }
  if (isSeq(node)) return `[${node.items.map((item) => (item === null ? 'null' : write(item as Node, doc, depth + 1))).join(',')}]`;
  if (isScalar(node)) return writeScalar(node.value, node.source, node);
  throw new NotJson('unsupported YAML node', node);
}

function writeScalar(value: unknown, source: string | undefined, node: Node): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new NotJson('numbers must be finite (JSON has no .inf or .nan)', node);
    return source !== undefined && JSON_NUMBER.test(source) ? source : JSON.stringify(value);
  }
  if (typeof value === 'bigint') return value.toString();
  throw new NotJson('value has no JSON form (quote it to pass a string)', node);
}
