/**
 * Checks a value against a Cedar schema type and rewrites it into Cedar's explicit JSON form, so it can be
 * evaluated without the schema (which cedar-wasm would otherwise re-apply on every call: the largest
 * per-request cost, see bench/README.md). The rules are Cedar's strict request validation:
 *   - String / Long / Bool by JSON type; a Set is an array whose elements conform; a Record has every
 *     required attribute, no undeclared one (unless the type allows additional attributes);
 *   - an entity-typed value is `{"__entity":{type,id}}` or the implicit `{type,id}`, of the declared type;
 *   - an extension-typed value (decimal, ipaddr, datetime, duration) is an explicit `__extn` of that
 *     function, or a string literal (Cedar's schema-based parsing); an integer where `decimal` is declared
 *     is widened to the equal decimal (`600` → `decimal("600.0")`), exact, within Cedar's decimal range.
 * Extension literals themselves are parsed by Cedar at evaluation; an invalid one fails the request.
 */
import type { CedarValueJson, SchemaJson, Type } from '@cedar-policy/cedar-wasm/nodejs';

export type Conformance = { readonly kind: 'ok'; readonly value: CedarValueJson } | { readonly kind: 'invalid'; readonly path: string; readonly message: string };

/** The names a schema resolves: common types and entity types of the empty namespace. */
export interface SchemaNames {
  readonly commonTypes: Readonly<Record<string, Type<string>>>;
  readonly entityTypes: ReadonlySet<string>;
}

const EXTENSION_FN: Readonly<Record<string, string>> = { decimal: 'decimal', ipaddr: 'ip', datetime: 'datetime', duration: 'duration' };
const PRIMITIVES: Readonly<Record<string, 'String' | 'Long' | 'Boolean'>> = { String: 'String', Long: 'Long', Bool: 'Boolean', Boolean: 'Boolean' };
const DECIMAL_INTEGER_LIMIT = 922337203685477;
const MAX_DEPTH = 64;

export function schemaNamesOf(schema: SchemaJson<string>): SchemaNames {
  const ns = schema[''];
  return { commonTypes: (ns?.commonTypes ?? {}) as Record<string, Type<string>>, entityTypes: new Set(Object.keys(ns?.entityTypes ?? {})) };
}

function stripCedarPrefix(name: string): string {
  return name.startsWith('__cedar::') ? name.slice('__cedar::'.length) : name;
}

type Resolved =
  | { kind: 'primitive'; name: 'String' | 'Long' | 'Boolean' }
  | { kind: 'extension'; fn: string; name: string }
  | { kind: 'entity'; name: string }
  | { kind: 'set'; element: Type<string> }
  | { kind: 'record'; attributes: Record<string, Type<string> & { required?: boolean }>; open: boolean }
  | { kind: 'unknown'; name: string };

function resolve(type: Type<string>, names: SchemaNames, depth: number): Resolved {
  const t = type as { type: string; name?: string; element?: Type<string>; attributes?: Record<string, Type<string>>; additionalAttributes?: boolean };
  if (depth > MAX_DEPTH) return { kind: 'unknown', name: 'too deep' };
  switch (t.type) {
    case 'String':
    case 'Long':
    case 'Boolean':
      return { kind: 'primitive', name: t.type };
    case 'Set':
      return t.element === undefined ? { kind: 'unknown', name: 'Set' } : { kind: 'set', element: t.element };
    case 'Record':
      return { kind: 'record', attributes: t.attributes ?? {}, open: t.additionalAttributes === true };
    case 'Entity':
      return { kind: 'entity', name: t.name ?? '' };
    case 'Extension': {
      const name = stripCedarPrefix(t.name ?? '');
      const fn = EXTENSION_FN[name];
      return fn === undefined ? { kind: 'unknown', name } : { kind: 'extension', fn, name };
    }
    case 'EntityOrCommon':
      return resolveName(t.name ?? '', names, depth);
    default:
      return resolveName(t.type, names, depth);
  }
}

function resolveName(rawName: string, names: SchemaNames, depth: number): Resolved {
  const common = names.commonTypes[rawName];
  if (common !== undefined) return resolve(common, names, depth + 1);
  if (names.entityTypes.has(rawName)) return { kind: 'entity', name: rawName };
  const name = stripCedarPrefix(rawName);
  const primitive = PRIMITIVES[name];
  if (primitive !== undefined) return { kind: 'primitive', name: primitive };
  const fn = EXTENSION_FN[name];
  if (fn !== undefined) return { kind: 'extension', fn, name };
  return { kind: 'unknown', name: rawName };
}

function isPlainRecord(value: CedarValueJson): value is { [key: string]: CedarValueJson } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !('__entity' in value) && !('__extn' in value);
}

const invalid = (path: string, message: string): Conformance => ({ kind: 'invalid', path, message });

export function conformToType(value: CedarValueJson, type: Type<string>, names: SchemaNames, path = '$', depth = 0): Conformance {
  const r = resolve(type, names, depth);
  switch (r.kind) {
    case 'primitive':
      return conformPrimitive(value, r.name, path);
    case 'extension':
      return conformExtension(value, r.fn, r.name, path);
    case 'entity':
      return conformEntity(value, r.name, path);
    case 'set': {
      if (!Array.isArray(value)) return invalid(path, 'expected a set (JSON array)');
      const out: CedarValueJson[] = [];
      for (const [i, item] of value.entries()) {
        const c = conformToType(item, r.element, names, `${path}[${i}]`, depth + 1);
        if (c.kind === 'invalid') return c;
        out.push(c.value);
      }
      return { kind: 'ok', value: out };
    }
    case 'record':
      return conformRecord(value, r.attributes, r.open, names, path, depth);
    case 'unknown':
      return invalid(path, `type ${r.name} is not supported`);
  }
}

function conformPrimitive(value: CedarValueJson, name: 'String' | 'Long' | 'Boolean', path: string): Conformance {
  if (name === 'String' && typeof value === 'string') return { kind: 'ok', value };
  if (name === 'Boolean' && typeof value === 'boolean') return { kind: 'ok', value };
  if (name === 'Long' && typeof value === 'number' && Number.isSafeInteger(value)) return { kind: 'ok', value };
  return invalid(path, `expected ${name === 'Boolean' ? 'Bool' : name}`);
}

function conformExtension(value: CedarValueJson, fn: string, name: string, path: string): Conformance {
  if (typeof value === 'string') return { kind: 'ok', value: { __extn: { fn, arg: value } } };
  if (fn === 'decimal' && typeof value === 'number' && Number.isSafeInteger(value) && Math.abs(value) <= DECIMAL_INTEGER_LIMIT) {
    return { kind: 'ok', value: { __extn: { fn, arg: `${value}.0` } } };
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && '__extn' in value) {
    const ext = value.__extn as { fn?: unknown; arg?: unknown; args?: unknown };
    if (ext.fn === fn && typeof ext.arg === 'string' && ext.args === undefined) return { kind: 'ok', value };
  }
  return invalid(path, `expected ${name}`);
}

function conformEntity(value: CedarValueJson, typeName: string, path: string): Conformance {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalid(path, `expected an entity of type ${typeName}`);
  const uid = ('__entity' in value ? value.__entity : value) as Record<string, unknown>;
  const keys = Object.keys(uid);
  if (keys.length !== 2 || typeof uid.type !== 'string' || typeof uid.id !== 'string' || uid.type !== typeName) {
    return invalid(path, `expected an entity of type ${typeName}`);
  }
  return { kind: 'ok', value: { __entity: { type: uid.type, id: uid.id } } };
}

function conformRecord(
  value: CedarValueJson,
  attributes: Record<string, Type<string> & { required?: boolean }>,
  open: boolean,
  names: SchemaNames,
  path: string,
  depth: number,
): Conformance {
  if (!isPlainRecord(value)) return invalid(path, 'expected a record (JSON object)');
  const record: Record<string, CedarValueJson> = value;
  const out: Record<string, CedarValueJson> = {};
  for (const [key, attrType] of Object.entries(attributes)) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) {
      if (attrType.required !== false) return invalid(`${path}.${key}`, 'required attribute is missing');
      continue;
    }
    const c = conformToType(record[key] as CedarValueJson, attrType, names, `${path}.${key}`, depth + 1);
    if (c.kind === 'invalid') return c;
    out[key] = c.value;
  }
  for (const key of Object.keys(record)) {
    if (Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    if (!open) return invalid(`${path}.${key}`, 'attribute is not declared in the schema');
    out[key] = record[key] as CedarValueJson;
  }
  return { kind: 'ok', value: out };
}
