'use strict';
/** Plain JSON → google.protobuf.Struct / Value in protobufjs object form (protobufjs's built-in struct.proto uses camelCase field names). */

function toValue(value) {
  if (value === null) return { nullValue: 0 };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(toValue) } };
  if (typeof value === 'object') return { structValue: toStruct(value) };
  throw new TypeError(`cannot represent ${typeof value} in a google.protobuf.Value`);
}

function toStruct(object) {
  const fields = {};
  for (const [key, value] of Object.entries(object)) fields[key] = toValue(value);
  return { fields };
}

module.exports = { toStruct, toValue };
