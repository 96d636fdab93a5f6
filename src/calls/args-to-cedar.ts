/**
 * Call arguments (JSON) → a Cedar record for `context.input`. Total: every input is either mapped exactly
 * or reported unmappable with the JSON path of the first problem — never approximated. See docs/calls.md.
 */
import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import { numberTextOf } from './number-text';
import type { JsonObject, JsonValue } from './types';

export type ArgsMapping =
  | { kind: 'mapped'; value: Record<string, CedarValueJson> }
  | { kind: 'unmappable'; path: string; message: string };

/** Keys Cedar's JSON value format would interpret (entity reference, extension call, expression). */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__entity', '__extn', '__expr']);
/** Guard for argument objects not built by the parser (the parser already bounds depth). */
const MAX_DEPTH = 1024;
const LONE_SURROGATE = /\p{Surrogate}/u;
const NUMBER_LITERAL = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?([eE][+-]?\d+)?$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** Cedar decimal: a signed 64-bit integer scaled by 10^4. */
const DECIMAL_MAX = 2n ** 63n - 1n;
const DECIMAL_MIN = -(2n ** 63n);

class Unmappable {
  constructor(
    readonly path: string,
    readonly message: string,
  ) {}
}

type Result<T> = T | Unmappable;

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function mapInteger(sign: string, digits: string, path: string): Result<CedarValueJson> {
  const value = BigInt(`${sign}${digits}`);
  if (value > MAX_SAFE || value < -MAX_SAFE) return new Unmappable(path, 'integer outside the exact range (±2^53-1)');
  return Number(value);
}

function mapDecimal(sign: string, whole: string, fraction: string, path: string): Result<CedarValueJson> {
  const trimmed = fraction.replace(/0+$/, '') || '0';
  if (trimmed.length > 4) return new Unmappable(path, 'decimal with more than 4 fractional digits');
  const negative = sign === '-' && !(/^0$/.test(whole) && trimmed === '0');
  const scaled = BigInt(`${negative ? '-' : ''}${whole}${trimmed.padEnd(4, '0')}`);
  if (scaled > DECIMAL_MAX || scaled < DECIMAL_MIN) return new Unmappable(path, 'decimal outside Cedar decimal range');
  return { __extn: { fn: 'decimal', arg: `${negative ? '-' : ''}${whole}.${trimmed}` } };
}

/** A number is mapped from its source literal when the parser kept it; a JS double never yields a decimal. */
function mapNumber(value: number, text: string | undefined, path: string): Result<CedarValueJson> {
  const literal = text !== undefined && Number(text) === value ? NUMBER_LITERAL.exec(text) : null;
  if (literal === null) {
    if (Number.isSafeInteger(value)) return value === 0 ? 0 : value;
    return new Unmappable(path, Number.isInteger(value) ? 'integer outside the exact range (±2^53-1)' : 'non-integer number without its source text');
  }
  const [, sign = '', whole = '0', fraction, exponent] = literal;
  if (exponent !== undefined) return new Unmappable(path, 'number with an exponent has no exact Cedar value');
  return fraction === undefined ? mapInteger(sign, whole, path) : mapDecimal(sign, whole, fraction, path);
}

function mapString(value: string, path: string): Result<CedarValueJson> {
  return LONE_SURROGATE.test(value) ? new Unmappable(path, 'string has a lone UTF-16 surrogate') : value;
}

function mapArray(items: readonly JsonValue[], path: string, depth: number): Result<CedarValueJson> {
  const out: CedarValueJson[] = [];
  for (let i = 0; i < items.length; i += 1) {
    const item = items[i];
    const itemPath = childPath(path, i);
    if (item === null || item === undefined) return new Unmappable(itemPath, 'null inside an array has no Cedar value');
    const mapped = mapValue(item, items, i, itemPath, depth + 1);
    if (mapped instanceof Unmappable) return mapped;
    out.push(mapped);
  }
  return out;
}

function mapRecord(object: JsonObject, path: string, depth: number): Result<Record<string, CedarValueJson>> {
  const out: Record<string, CedarValueJson> = {};
  for (const key of Object.keys(object)) {
    const keyPath = childPath(path, key);
    if (RESERVED_KEYS.has(key)) return new Unmappable(keyPath, `key "${key}" is reserved by Cedar's JSON format`);
    if (LONE_SURROGATE.test(key)) return new Unmappable(keyPath, 'key has a lone UTF-16 surrogate');
    const value = object[key];
    if (value === null || value === undefined) continue; // null field → absent attribute (`has` is false)
    const mapped = mapValue(value, object, key, keyPath, depth + 1);
    if (mapped instanceof Unmappable) return mapped;
    Object.defineProperty(out, key, { value: mapped, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function mapValue(value: JsonValue, container: object, key: string | number, path: string, depth: number): Result<CedarValueJson> {
  if (depth > MAX_DEPTH) return new Unmappable(path, 'arguments nest too deeply');
  if (typeof value === 'string') return mapString(value, path);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return mapNumber(value, numberTextOf(container, key), path);
  if (value === null) return new Unmappable(path, 'null has no Cedar value');
  if (Array.isArray(value)) return mapArray(value, path, depth);
  if (typeof value === 'object') return mapRecord(value, path, depth);
  return new Unmappable(path, 'value is not JSON');
}

export function mapArgsToCedar(args: JsonObject): ArgsMapping {
  try {
    const mapped = mapRecord(args, '$', 0);
    if (mapped instanceof Unmappable) return { kind: 'unmappable', path: mapped.path, message: mapped.message };
    return { kind: 'mapped', value: mapped };
  } catch {
    return { kind: 'unmappable', path: '$', message: 'arguments could not be mapped' };
  }
}
