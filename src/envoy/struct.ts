/** google.protobuf.Struct ⇄ plain JSON, as grpc-js/proto-loader and protobufjs represent them (oneof `kind`, camelCase). */
import type { Struct } from '../generated/google/protobuf/Struct';
import type { Value } from '../generated/google/protobuf/Value';
import type { JsonObject, JsonValue } from '../calls/types';

/**
 * A Value as read: proto-loader's output, a message built in-process, or one decoded by protobufjs. Only
 * the member that is set is an own property in all three (a decoded message inherits the others' defaults,
 * "" / 0 / false, from its prototype), so members are tested with `hasOwn`.
 */
export interface ValueView {
  readonly stringValue?: string;
  readonly numberValue?: number;
  readonly boolValue?: boolean;
  readonly structValue?: StructView | null;
  readonly listValue?: { readonly values?: readonly ValueView[] } | null;
}

export interface StructView {
  readonly fields?: Readonly<Record<string, ValueView>>;
}

/** google.protobuf.NullValue.NULL_VALUE (enums are encoded as numbers). */
const NULL_VALUE = 0;

const hasOwn = (value: object, key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);

export function valueToJson(value: ValueView): JsonValue {
  if (hasOwn(value, 'stringValue') && value.stringValue !== undefined) return value.stringValue;
  if (hasOwn(value, 'numberValue') && value.numberValue !== undefined) return value.numberValue;
  if (hasOwn(value, 'boolValue') && value.boolValue !== undefined) return value.boolValue;
  if (hasOwn(value, 'structValue') && value.structValue !== undefined && value.structValue !== null) return structToJson(value.structValue);
  if (hasOwn(value, 'listValue') && value.listValue !== undefined && value.listValue !== null) return (value.listValue.values ?? []).map(valueToJson);
  return null;
}

export function structToJson(struct: StructView): JsonObject {
  const out: JsonObject = Object.create(null) as JsonObject;
  const fields = struct.fields ?? {};
  for (const k of Object.keys(fields)) out[k] = valueToJson(fields[k] as ValueView);
  return out;
}

export function jsonToValue(value: JsonValue): Value {
  if (value === null) return { nullValue: NULL_VALUE };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(jsonToValue) } };
  return { structValue: jsonToStruct(value) };
}

export function jsonToStruct(obj: JsonObject): Struct {
  const fields: Record<string, Value> = {};
  for (const k of Object.keys(obj)) fields[k] = jsonToValue(obj[k] as JsonValue);
  return { fields };
}
