/**
 * Cedar's partial evaluator leaves `context.caller.kind` unevaluated when the context record holds an
 * unknown anywhere (the residual keeps the whole record literal and the attribute access on it). This pass
 * does that access on the residual's JSON: `.attr` and `has attr` on a record literal become the attribute's
 * expression (or `true`/`false`), bottom-up. Evaluating the reduced residuals again lets Cedar decide every
 * condition that does not depend on an unknown. Pure; never changes what a policy means.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

function recordOf(expr: Json | undefined): { [key: string]: Json } | undefined {
  const record = isObject(expr) ? expr.Record : undefined;
  return isObject(record) ? record : undefined;
}

function reduceAccess(node: { [key: string]: Json }): Json {
  const keys = Object.keys(node);
  if (keys.length !== 1) return node;
  const op = keys[0];
  const arg = op === undefined ? undefined : node[op];
  if ((op !== '.' && op !== 'has') || !isObject(arg) || typeof arg.attr !== 'string') return node;
  const record = recordOf(arg.left);
  if (record === undefined) return node;
  const found = Object.prototype.hasOwnProperty.call(record, arg.attr);
  if (op === 'has') return { Value: found };
  return found ? (record[arg.attr] ?? node) : node;
}

export function reduceResidual(expr: Json): Json {
  if (Array.isArray(expr)) return expr.map(reduceResidual);
  if (!isObject(expr)) return expr;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(expr)) out[key] = reduceResidual(value);
  return reduceAccess(out);
}
