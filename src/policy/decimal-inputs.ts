/**
 * JSON has one number type; Cedar has Long and decimal. The argument mapper gives an integer literal
 * (`600`) a Long, which a function declaring `amount: decimal` would refuse. Where the schema declares a
 * decimal, an integer argument is widened to the equal decimal (`decimal("600.0")`): exact, never lossy.
 * Integers outside Cedar's decimal range stay Long, so request validation still denies them.
 */
import type { CedarValueJson, SchemaJson, Type } from '@cedar-policy/cedar-wasm/nodejs';

/** Where inside an action's input a decimal is expected; absent branches hold no decimal. */
export type DecimalShape =
  | { readonly kind: 'decimal' }
  | { readonly kind: 'record'; readonly fields: ReadonlyMap<string, DecimalShape> }
  | { readonly kind: 'set'; readonly element: DecimalShape };

/** Cedar decimal: at most 922337203685477.5807 in magnitude. */
const DECIMAL_INTEGER_LIMIT = 922337203685477;
const MAX_TYPE_DEPTH = 32;

type CommonTypes = Readonly<Record<string, Type<string>>>;

function isDecimalName(name: string): boolean {
  return name === 'decimal' || name === '__cedar::decimal';
}

export function decimalShapeOf(type: Type<string>, common: CommonTypes, depth = 0): DecimalShape | undefined {
  if (depth > MAX_TYPE_DEPTH) return undefined;
  const t = type as { type: string; name?: string; element?: Type<string>; attributes?: Record<string, Type<string>> };
  switch (t.type) {
    case 'Extension':
      return t.name !== undefined && isDecimalName(t.name) ? { kind: 'decimal' } : undefined;
    case 'EntityOrCommon': {
      if (t.name === undefined) return undefined;
      if (isDecimalName(t.name)) return { kind: 'decimal' };
      const named = common[t.name];
      return named === undefined ? undefined : decimalShapeOf(named, common, depth + 1);
    }
    case 'Set': {
      const element = t.element === undefined ? undefined : decimalShapeOf(t.element, common, depth + 1);
      return element === undefined ? undefined : { kind: 'set', element };
    }
    case 'Record': {
      const fields = new Map<string, DecimalShape>();
      for (const [name, attr] of Object.entries(t.attributes ?? {})) {
        const shape = decimalShapeOf(attr, common, depth + 1);
        if (shape !== undefined) fields.set(name, shape);
      }
      return fields.size === 0 ? undefined : { kind: 'record', fields };
    }
    default: {
      const named = common[t.type];
      return named === undefined ? undefined : decimalShapeOf(named, common, depth + 1);
    }
  }
}

/** Action id → the decimal shape of its `context.input`, for actions whose input holds a decimal. */
export function decimalInputsOf(schema: SchemaJson<string>): Map<string, DecimalShape> {
  const out = new Map<string, DecimalShape>();
  const ns = schema[''];
  if (ns === undefined) return out;
  const common = (ns.commonTypes ?? {}) as CommonTypes;
  for (const [action, def] of Object.entries(ns.actions)) {
    const context = def.appliesTo?.context;
    if (context === undefined) continue;
    const contextShape = decimalShapeOf(context, common);
    const input = contextShape?.kind === 'record' ? contextShape.fields.get('input') : undefined;
    if (input !== undefined) out.set(action, input);
  }
  return out;
}

export function widenDecimals(value: CedarValueJson, shape: DecimalShape): CedarValueJson {
  switch (shape.kind) {
    case 'decimal':
      return typeof value === 'number' && Number.isSafeInteger(value) && Math.abs(value) <= DECIMAL_INTEGER_LIMIT
        ? { __extn: { fn: 'decimal', arg: `${value}.0` } }
        : value;
    case 'set':
      return Array.isArray(value) ? value.map((v) => widenDecimals(v, shape.element)) : value;
    case 'record': {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || '__extn' in value || '__entity' in value) return value;
      const record = value as Record<string, CedarValueJson>;
      const out: Record<string, CedarValueJson> = { ...record };
      for (const [name, fieldShape] of shape.fields) {
        const field = record[name];
        if (field !== undefined) out[name] = widenDecimals(field, fieldShape);
      }
      return out;
    }
  }
}
