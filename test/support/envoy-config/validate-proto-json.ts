/**
 * Checks a JSON/YAML value against a protobuf message type the way Envoy's config loader reads it
 * (proto3 JSON mapping): proto or JSON field names, unknown fields rejected, scalar kinds and ranges, enum
 * names, repeated and map fields, at most one member per oneof, and the well-known types (Duration and
 * Timestamp strings, wrappers as scalars, Struct/Value/ListValue as free JSON, Any resolved through
 * `@type`, which must name a type found in Envoy's protos). PGV constraints are not checked.
 */
import * as protobuf from 'protobufjs';
import type { ProtoRegistry } from './proto-registry';

export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

interface Walk {
  readonly registry: ProtoRegistry;
  readonly issues: ConfigIssue[];
}

const TYPE_URL_PREFIX = 'type.googleapis.com/';
const INT32_KINDS = new Set(['int32', 'sint32', 'sfixed32']);
const UINT32_KINDS = new Set(['uint32', 'fixed32']);
const INT64_KINDS = new Set(['int64', 'sint64', 'sfixed64']);
const UINT64_KINDS = new Set(['uint64', 'fixed64']);
const WRAPPERS: Readonly<Record<string, string>> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function report(walk: Walk, path: string, message: string): void {
  walk.issues.push({ path: path === '' ? '(root)' : path, message });
}

function integerInRange(value: unknown, min: bigint, max: bigint): boolean {
  let n: bigint;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return false;
    n = BigInt(value);
  } else if (typeof value === 'string' && /^-?\d+$/.test(value)) {
    n = BigInt(value);
  } else return false;
  return n >= min && n <= max;
}

function checkScalar(walk: Walk, path: string, kind: string, value: unknown): void {
  const fail = (what: string): void => report(walk, path, `expected ${what}, got ${JSON.stringify(value)}`);
  if (kind === 'string') {
    if (typeof value !== 'string') fail('a string');
  } else if (kind === 'bool') {
    if (typeof value !== 'boolean') fail('a boolean');
  } else if (kind === 'bytes') {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) fail('base64 bytes');
  } else if (kind === 'double' || kind === 'float') {
    const special = value === 'NaN' || value === 'Infinity' || value === '-Infinity';
    const numeric = typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)));
    if (!special && !numeric) fail('a number');
  } else if (INT32_KINDS.has(kind)) {
    if (!integerInRange(value, -(2n ** 31n), 2n ** 31n - 1n)) fail(`an ${kind}`);
  } else if (UINT32_KINDS.has(kind)) {
    if (!integerInRange(value, 0n, 2n ** 32n - 1n)) fail(`a ${kind}`);
  } else if (INT64_KINDS.has(kind)) {
    if (!integerInRange(value, -(2n ** 63n), 2n ** 63n - 1n)) fail(`an ${kind}`);
  } else if (UINT64_KINDS.has(kind)) {
    if (!integerInRange(value, 0n, 2n ** 64n - 1n)) fail(`a ${kind}`);
  } else {
    report(walk, path, `unsupported scalar kind ${kind}`);
  }
}

function checkEnum(walk: Walk, path: string, enumType: protobuf.Enum, value: unknown): void {
  if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(enumType.values, value)) return;
  if (typeof value === 'number' && Number.isInteger(value) && enumType.valuesById[value] !== undefined) return;
  report(walk, path, `${JSON.stringify(value)} is not a value of enum ${fullNameOf(enumType)}`);
}

function fullNameOf(obj: protobuf.ReflectionObject): string {
  return obj.fullName.replace(/^\./, '');
}

/** Checks one value of a field's element type (a scalar, an enum or a message). */
function checkElement(walk: Walk, path: string, field: protobuf.FieldBase, value: unknown): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) checkEnum(walk, path, resolved, value);
  else if (resolved instanceof protobuf.Type) checkMessage(walk, path, resolved, value);
  else checkScalar(walk, path, field.type, value);
}

function checkMapKey(walk: Walk, path: string, keyType: string, key: string): void {
  if (keyType === 'string') return;
  if (keyType === 'bool') {
    if (key !== 'true' && key !== 'false') report(walk, path, `map key ${JSON.stringify(key)} is not a bool`);
    return;
  }
  checkScalar(walk, path, keyType, key);
}

function checkField(walk: Walk, path: string, field: protobuf.FieldBase, value: unknown): void {
  if (field instanceof protobuf.MapField) {
    if (!isPlainObject(value)) return report(walk, path, 'expected a map (object)');
    for (const [k, v] of Object.entries(value)) {
      checkMapKey(walk, `${path}[${k}]`, field.keyType, k);
      checkElement(walk, `${path}[${k}]`, field, v);
    }
    return;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) return report(walk, path, 'expected a list');
    value.forEach((item, i) => checkElement(walk, `${path}[${i}]`, field, item));
    return;
  }
  checkElement(walk, path, field, value);
}

function checkDuration(walk: Walk, path: string, value: unknown): void {
  if (typeof value !== 'string' || !/^-?\d+(\.\d{1,9})?s$/.test(value)) {
    report(walk, path, `expected a Duration string such as "0.25s", got ${JSON.stringify(value)}`);
  }
}

function checkTimestamp(walk: Walk, path: string, value: unknown): void {
  const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
  if (typeof value !== 'string' || !rfc3339.test(value)) report(walk, path, 'expected an RFC 3339 Timestamp string');
}

function checkAny(walk: Walk, path: string, value: unknown): void {
  if (!isPlainObject(value)) return report(walk, path, 'expected an Any object with "@type"');
  const typeUrl = value['@type'];
  if (typeof typeUrl !== 'string' || typeUrl === '') return report(walk, path, 'Any without "@type"');
  const slash = typeUrl.lastIndexOf('/');
  const typeName = typeUrl.slice(slash + 1);
  if (slash < 0 || typeName === '') return report(walk, path, `malformed type URL ${JSON.stringify(typeUrl)}`);
  if (!typeUrl.startsWith(TYPE_URL_PREFIX)) report(walk, path, `type URL should start with ${TYPE_URL_PREFIX}`);
  const type = walk.registry.findMessage(typeName);
  if (type === undefined) return report(walk, `${path}.@type`, `cannot resolve type ${JSON.stringify(typeName)}`);
  const rest: Record<string, unknown> = { ...value };
  delete rest['@type'];
  if (isWellKnown(fullNameOf(type))) {
    const unexpected = Object.keys(rest).filter((k) => k !== 'value');
    if (unexpected.length > 0) report(walk, path, `an Any holding ${typeName} takes only "value", got ${unexpected.join(', ')}`);
    if ('value' in rest) checkMessage(walk, `${path}.value`, type, rest.value);
    return;
  }
  checkMessage(walk, path, type, rest);
}

function isWellKnown(name: string): boolean {
  return (
    name in WRAPPERS ||
    ['google.protobuf.Any', 'google.protobuf.Duration', 'google.protobuf.Timestamp', 'google.protobuf.Struct',
      'google.protobuf.Value', 'google.protobuf.ListValue', 'google.protobuf.FieldMask', 'google.protobuf.Empty'].includes(name)
  );
}

/** Returns true when the type is a well-known type and was handled here. */
function checkWellKnown(walk: Walk, path: string, name: string, value: unknown): boolean {
  const wrapped = WRAPPERS[name];
  if (wrapped !== undefined) {
    checkScalar(walk, path, wrapped, value);
    return true;
  }
  switch (name) {
    case 'google.protobuf.Duration':
      checkDuration(walk, path, value);
      return true;
    case 'google.protobuf.Timestamp':
      checkTimestamp(walk, path, value);
      return true;
    case 'google.protobuf.Struct':
      if (!isPlainObject(value)) report(walk, path, 'expected a Struct (object)');
      return true;
    case 'google.protobuf.Value':
      return true;
    case 'google.protobuf.ListValue':
      if (!Array.isArray(value)) report(walk, path, 'expected a ListValue (list)');
      return true;
    case 'google.protobuf.FieldMask':
      if (typeof value !== 'string') report(walk, path, 'expected a FieldMask string');
      return true;
    case 'google.protobuf.Empty':
      if (!isPlainObject(value) || Object.keys(value).length > 0) report(walk, path, 'expected an empty object');
      return true;
    case 'google.protobuf.Any':
      checkAny(walk, path, value);
      return true;
    default:
      return false;
  }
}

function fieldByKey(type: protobuf.Type, key: string): protobuf.Field | undefined {
  const direct = type.fields[key];
  if (direct !== undefined) return direct;
  return type.fieldsArray.find((f) => ((f as { jsonName?: string }).jsonName ?? protobuf.util.camelCase(f.name)) === key);
}

function checkMessage(walk: Walk, path: string, type: protobuf.Type, value: unknown): void {
  if (checkWellKnown(walk, path, fullNameOf(type), value)) return;
  if (!isPlainObject(value)) return report(walk, path, `expected a ${fullNameOf(type)} object`);
  const seen = new Map<string, string>();
  const setByOneof = new Map<string, string[]>();
  for (const [key, child] of Object.entries(value)) {
    const childPath = path === '' ? key : `${path}.${key}`;
    const field = fieldByKey(type, key);
    if (field === undefined) {
      report(walk, childPath, `unknown field "${key}" in ${fullNameOf(type)}`);
      continue;
    }
    const earlier = seen.get(field.name);
    if (earlier !== undefined) report(walk, childPath, `field ${field.name} given twice ("${earlier}" and "${key}")`);
    seen.set(field.name, key);
    // proto3 JSON: null means "default"; it sets nothing (except for google.protobuf.Value).
    const isValueType = field.resolvedType instanceof protobuf.Type && fullNameOf(field.resolvedType) === 'google.protobuf.Value';
    if (child === null && !isValueType) continue;
    if (field.partOf !== null) setByOneof.set(field.partOf.name, [...(setByOneof.get(field.partOf.name) ?? []), key]);
    checkField(walk, childPath, field, child);
  }
  for (const [oneof, keys] of setByOneof) {
    if (keys.length > 1) report(walk, path, `oneof ${oneof} has more than one member set: ${keys.join(', ')}`);
  }
}

/** Every problem found in `value` read as the message `typeName` (empty when it conforms). */
export function validateProtoJson(registry: ProtoRegistry, typeName: string, value: unknown): ConfigIssue[] {
  const type = registry.findMessage(typeName);
  if (type === undefined) return [{ path: '(root)', message: `cannot resolve type ${typeName}` }];
  const walk: Walk = { registry, issues: [] };
  checkMessage(walk, '', type, value);
  return walk.issues;
}
