/**
 * A JSON Schema (already dereferenced) → the Cedar type callgate's argument mapping produces for values
 * that conform to it (docs/calls.md): string → String, integer → Long, number → decimal, boolean → Bool,
 * array → Set, object → record (`required` fields required, the others optional). A nullable field
 * (`type: [T, "null"]`, `anyOf: [T, {type: "null"}]`, OpenAPI 3.0 `nullable`) becomes an optional
 * attribute, because callgate drops null fields. Every construct with no exact Cedar form is reported
 * with its JSON pointer; the part that was reported is left out of the type.
 */
import { pointerChild, type CedarAttribute, type CedarType, type GenerationProblem, type RecordType } from './cedar-type';

type JsonObject = { readonly [key: string]: unknown };

interface Converted {
  readonly type: CedarType;
  readonly nullable: boolean;
}

interface Context {
  readonly problems: GenerationProblem[];
}

const MAX_DEPTH = 32;
/** Keys callgate's argument mapping refuses (Cedar's JSON value format would interpret them). */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__entity', '__extn', '__expr']);
/** Keywords that change which values are valid in ways a Cedar type cannot state. */
const UNEXPRESSIBLE: Readonly<Record<string, string>> = {
  not: '"not" (an excluded schema) has no Cedar form',
  if: '"if"/"then"/"else" (conditional schemas) have no Cedar form',
  patternProperties: '"patternProperties" (attribute names matched by a pattern): Cedar records have fixed attribute names',
  propertyNames: '"propertyNames" (free attribute names): Cedar records have fixed attribute names',
  unevaluatedProperties: '"unevaluatedProperties" has no Cedar form: Cedar records have fixed attribute names',
  dependentSchemas: '"dependentSchemas" (conditional schemas) have no Cedar form',
  dependencies: '"dependencies" (conditional schemas) have no Cedar form',
  prefixItems: '"prefixItems" (a tuple): callgate maps arrays to Cedar sets, which have no positions',
  additionalItems: '"additionalItems" (a tuple): callgate maps arrays to Cedar sets, which have no positions',
  unevaluatedItems: '"unevaluatedItems" (a tuple): callgate maps arrays to Cedar sets, which have no positions',
};

/** The `input` record of a function from its input schema (a JSON Schema for an object). */
export function convertInputSchema(schema: unknown, pointer: string): { input: RecordType; problems: GenerationProblem[] } {
  const ctx: Context = { problems: [] };
  const empty: RecordType = { kind: 'record', attributes: [] };
  const converted = convertSchema(schema, pointer, ctx, 0, true);
  if (converted === undefined) return { input: empty, problems: ctx.problems };
  if (converted.type.kind !== 'record') {
    report(ctx, pointer, `the input schema must describe an object, not ${describe(converted.type)}`);
    return { input: empty, problems: ctx.problems };
  }
  if (converted.nullable) report(ctx, pointer, 'the input may be null: callgate requires an arguments object');
  return { input: converted.type, problems: ctx.problems };
}

function convertSchema(schema: unknown, pointer: string, ctx: Context, depth: number, root = false): Converted | undefined {
  if (typeof schema === 'boolean') return fail(ctx, pointer, schema ? 'schema `true` (any value) has no Cedar type' : 'schema `false` (no value) has no Cedar type');
  if (!isObject(schema)) return fail(ctx, pointer, 'not a JSON Schema object');
  if (depth > MAX_DEPTH) return fail(ctx, pointer, `nested deeper than ${MAX_DEPTH} levels`);
  if (typeof schema.$ref === 'string') return fail(ctx, pointerChild(pointer, '$ref'), `$ref "${schema.$ref}" is recursive or unresolved: Cedar types cannot be recursive`);
  for (const [keyword, message] of Object.entries(UNEXPRESSIBLE)) {
    if (keyword in schema) report(ctx, pointerChild(pointer, keyword), message);
  }
  if (Array.isArray(schema.allOf)) return convertAllOf(schema, pointer, ctx, depth, root);
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    if (keyword in schema) return convertUnion(schema, keyword, pointer, ctx, depth, root);
  }
  return convertTyped(schema, pointer, ctx, depth, root);
}

function convertTyped(schema: JsonObject, pointer: string, ctx: Context, depth: number, root: boolean): Converted | undefined {
  const declared = typesOf(schema, pointer, ctx);
  if (declared === undefined) return undefined;
  const { names, nullable } = declared;
  if (names.length === 0) return fail(ctx, pointerChild(pointer, 'type'), 'type "null" has no Cedar value (callgate leaves null fields out)');
  if (names.length > 1) return fail(ctx, pointerChild(pointer, 'type'), `several types (${names.join(', ')}): Cedar has no union types`);
  const name = names[0] ?? '';
  switch (name) {
    case 'string':
      return { type: { kind: 'string' }, nullable };
    case 'integer':
      return { type: { kind: 'long' }, nullable };
    case 'number':
      return { type: { kind: 'decimal' }, nullable };
    case 'boolean':
      return { type: { kind: 'bool' }, nullable };
    case 'array':
      return convertArray(schema, pointer, ctx, depth, nullable);
    case 'object':
      return convertObject(schema, pointer, ctx, depth, root, nullable);
    default:
      return fail(ctx, pointerChild(pointer, 'type'), `unknown type "${name}"`);
  }
}

/** The declared (or inferred) type names without "null", and whether null is allowed. */
function typesOf(schema: JsonObject, pointer: string, ctx: Context): { names: string[]; nullable: boolean } | undefined {
  const openApiNullable = schema.nullable === true;
  const type = schema.type;
  if (typeof type === 'string') return { names: type === 'null' ? [] : [type], nullable: openApiNullable || type === 'null' };
  if (Array.isArray(type)) {
    const names = type.filter((t): t is string => typeof t === 'string');
    return { names: names.filter((t) => t !== 'null'), nullable: openApiNullable || names.includes('null') };
  }
  if (type !== undefined) return fail(ctx, pointerChild(pointer, 'type'), 'type must be a string or an array of strings');
  if (isObject(schema.properties)) return { names: ['object'], nullable: openApiNullable };
  if ('items' in schema) return { names: ['array'], nullable: openApiNullable };
  const values = 'const' in schema ? [schema.const] : Array.isArray(schema.enum) ? schema.enum : undefined;
  if (values !== undefined) return typesOfValues(values, pointer, ctx, openApiNullable);
  return fail(ctx, pointer, 'no type (any value): Cedar needs one type per attribute');
}

function typesOfValues(values: readonly unknown[], pointer: string, ctx: Context, nullable: boolean): { names: string[]; nullable: boolean } | undefined {
  const names = new Set(values.filter((v) => v !== null).map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : Array.isArray(v) ? 'array' : typeof v)));
  if (names.has('integer') && names.has('number')) names.delete('integer');
  if ([...names].some((n) => n === 'array' || n === 'object')) return fail(ctx, pointer, 'enum or const of arrays or objects has no Cedar type without a "type"');
  return { names: [...names], nullable: nullable || values.includes(null) };
}

function convertArray(schema: JsonObject, pointer: string, ctx: Context, depth: number, nullable: boolean): Converted | undefined {
  const items = schema.items;
  if (Array.isArray(items)) return fail(ctx, pointerChild(pointer, 'items'), '"items" as an array (a tuple): callgate maps arrays to Cedar sets, which have no positions');
  if (items === undefined) {
    if ('prefixItems' in schema) return undefined; // reported above
    return fail(ctx, pointer, 'array without "items" (elements of any type): Cedar sets hold one type');
  }
  const element = convertSchema(items, pointerChild(pointer, 'items'), ctx, depth + 1);
  if (element === undefined) return undefined;
  if (element.nullable) report(ctx, pointerChild(pointer, 'items'), 'array elements may be null: callgate denies a call with null inside an array');
  return { type: { kind: 'set', element: element.type }, nullable };
}

function convertObject(schema: JsonObject, pointer: string, ctx: Context, depth: number, root: boolean, nullable: boolean): Converted | undefined {
  const additional = schema.additionalProperties;
  const properties = isObject(schema.properties) ? schema.properties : {};
  const names = Object.keys(properties);
  const openEnded = additional === true || (isObject(additional) && Object.keys(additional).length === 0);
  if (isObject(additional) && !openEnded) {
    return fail(ctx, pointerChild(pointer, 'additionalProperties'), 'additionalProperties as a schema (a map with free keys): Cedar records have fixed attribute names');
  }
  if ('patternProperties' in schema || 'propertyNames' in schema) return undefined; // reported with the keyword
  if (names.length === 0 && !root && additional !== false) {
    return fail(ctx, openEnded ? pointerChild(pointer, 'additionalProperties') : pointer, 'object without properties (free-form): Cedar records have fixed attribute names');
  }
  if (openEnded) report(ctx, pointerChild(pointer, 'additionalProperties'), 'additionalProperties allows any other attribute: Cedar records are closed (callgate denies undeclared arguments)');
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : []);
  const attributes: CedarAttribute[] = [];
  const propertiesPointer = pointerChild(pointer, 'properties');
  for (const name of names) {
    const at = pointerChild(propertiesPointer, name);
    if (RESERVED_KEYS.has(name)) {
      report(ctx, at, `attribute "${name}" is reserved by Cedar's JSON format: callgate denies calls that use it`);
      continue;
    }
    const converted = convertSchema(properties[name], at, ctx, depth + 1);
    if (converted === undefined) continue;
    attributes.push({ name, type: converted.type, required: required.has(name) && !converted.nullable });
  }
  return { type: { kind: 'record', attributes }, nullable };
}

/** anyOf/oneOf: only "T or null" has a Cedar form (an optional attribute). */
function convertUnion(schema: JsonObject, keyword: 'anyOf' | 'oneOf', pointer: string, ctx: Context, depth: number, root: boolean): Converted | undefined {
  const alternatives = schema[keyword];
  const at = pointerChild(pointer, keyword);
  if (!Array.isArray(alternatives)) return fail(ctx, at, `"${keyword}" must be an array`);
  const others = alternatives.filter((a) => !isNullSchema(a));
  const first = others[0];
  if (others.length !== 1 || first === undefined || !isObject(first)) {
    return fail(ctx, at, `"${keyword}" with ${others.length} alternatives${others.length < alternatives.length ? ' besides null' : ''}: Cedar has no union types`);
  }
  const { [keyword]: _drop, ...rest } = schema;
  const merged = convertSchema({ ...rest, ...first }, pointerChild(at, alternatives.indexOf(first)), ctx, depth + 1, root);
  if (merged === undefined) return undefined;
  return { type: merged.type, nullable: merged.nullable || others.length < alternatives.length };
}

/** allOf: one member is used as is; several object members are merged (properties and required joined). */
function convertAllOf(schema: JsonObject, pointer: string, ctx: Context, depth: number, root: boolean): Converted | undefined {
  const members = schema.allOf as unknown[];
  const { allOf: _drop, ...rest } = schema;
  const at = pointerChild(pointer, 'allOf');
  if (members.length === 1) return convertSchema({ ...rest, ...(members[0] as object) }, pointerChild(at, 0), ctx, depth + 1, root);
  const merged: { properties: Record<string, unknown>; required: string[] } = { properties: {}, required: [] };
  for (const [index, member] of [rest, ...members].entries()) {
    if (!isObject(member)) return fail(ctx, at, '"allOf" with a member that is not a schema object');
    const allowed = ['type', 'properties', 'required', 'title', 'description', 'additionalProperties'];
    const extra = Object.keys(member).filter((k) => !allowed.includes(k) && !k.startsWith('x-'));
    if ((member.type !== undefined && member.type !== 'object') || extra.length > 0 || (member.additionalProperties !== undefined && member.additionalProperties !== false)) {
      return fail(ctx, at, `"allOf" can only be merged when every member is a plain object schema${index > 0 ? ` (member ${index - 1} is not)` : ''}`);
    }
    const properties = isObject(member.properties) ? member.properties : {};
    for (const [name, value] of Object.entries(properties)) {
      if (name in merged.properties) return fail(ctx, at, `"allOf" members both declare "${name}": no Cedar form for the intersection`);
      merged.properties[name] = value;
    }
    if (Array.isArray(member.required)) merged.required.push(...member.required.filter((r): r is string => typeof r === 'string'));
  }
  return convertSchema({ type: 'object', ...merged }, pointer, ctx, depth + 1, root);
}

function isNullSchema(schema: unknown): boolean {
  return isObject(schema) && (schema.type === 'null' || schema.const === null || (Array.isArray(schema.enum) && schema.enum.length === 1 && schema.enum[0] === null));
}

function describe(type: CedarType): string {
  return type.kind === 'set' ? 'an array' : `a ${type.kind}`;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function report(ctx: Context, pointer: string, message: string): void {
  ctx.problems.push({ pointer, message });
}

function fail(ctx: Context, pointer: string, message: string): undefined {
  report(ctx, pointer, message);
  return undefined;
}
