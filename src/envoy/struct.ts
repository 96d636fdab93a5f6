/** google.protobuf.Struct ⇄ plain JSON, as grpc-js/proto-loader represent them (oneof `kind`, camelCase). */
import type { Struct, Struct__Output } from '../generated/google/protobuf/Struct';
import type { Value, Value__Output } from '../generated/google/protobuf/Value';
import type { JsonObject, JsonValue } from '../calls/types';

export function valueToJson(value: Value__Output): JsonValue {
  // Decoded messages carry the oneof name in `kind`; messages built in-process only have the field set.
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.numberValue !== undefined) return value.numberValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.structValue !== undefined && value.structValue !== null) return structToJson(value.structValue);
  if (value.listValue !== undefined && value.listValue !== null) return (value.listValue.values ?? []).map(valueToJson);
  return null;
}

export function structToJson(struct: Struct__Output): JsonObject {
  const out: JsonObject = Object.create(null) as JsonObject;
  for (const [k, v] of Object.entries(struct.fields ?? {})) out[k] = valueToJson(v);
  return out;
}

export function jsonToValue(value: JsonValue): Value {
  if (value === null) return { nullValue: 'NULL_VALUE' };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(jsonToValue) } };
  return { structValue: jsonToStruct(value) };
}

export function jsonToStruct(obj: JsonObject): Struct {
  const fields: Record<string, Value> = {};
  for (const [k, v] of Object.entries(obj)) fields[k] = jsonToValue(v);
  return { fields };
}
