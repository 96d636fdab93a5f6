/**
 * The copy of a call's arguments an audit record may keep: every string scanned by the same detectors
 * that mask responses (a match is replaced in the configured style), card numbers written as JSON numbers
 * replaced whole, and the fields named in the deciding permits' @redact_args removed. The record also lists
 * where something was masked or removed (JSON Pointers, RFC 6901), so a replay knows which values it
 * does not have. Object keys are kept as they are (they are the function's argument names).
 * The input is never mutated. Throws only on a failure of its own (the record is then not written).
 */
import { isCardNumber } from '../masking/luhn';
import { renderMask } from '../masking/mask-style';
import { maskText } from '../masking/mask-text';
import type { Detector, MaskCounts, MaskStyle } from '../masking/types';

export interface ArgsMasking {
  readonly detectors: readonly Detector[];
  readonly style: MaskStyle;
}

export interface MaskedArgs {
  readonly value: unknown;
  /** JSON Pointers of the values masked or removed, in document order. */
  readonly masked: readonly string[];
}

/** RFC 6901: `~` → `~0`, `/` → `~1`. */
export function pointerOf(segments: readonly (string | number)[]): string {
  return segments.map(escapeSegment).join('');
}

export function segmentsOf(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function removeFields(args: unknown, redact: readonly string[], masked: string[]): unknown {
  if (redact.length === 0 || typeof args !== 'object' || args === null || Array.isArray(args)) return args;
  let out = args as Record<string, unknown>;
  for (const field of redact) {
    const path = field.split('.');
    const next = removePath(out, path);
    if (next !== out) {
      masked.push(pointerOf(path));
      out = next;
    }
  }
  return out;
}

/** A copy of `obj` without the value at `path` (the same object when there is nothing to remove). */
function removePath(obj: Record<string, unknown>, path: readonly string[]): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined || !Object.prototype.hasOwnProperty.call(obj, head)) return obj;
  if (rest.length === 0) {
    const copy = { ...obj };
    delete copy[head];
    return copy;
  }
  const child = obj[head];
  if (typeof child !== 'object' || child === null || Array.isArray(child)) return obj;
  const replaced = removePath(child as Record<string, unknown>, rest);
  return replaced === child ? obj : { ...obj, [head]: replaced };
}

function escapeSegment(segment: string | number): string {
  return `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** `pointer` is the JSON Pointer of `value`, built as the walk descends (no arrays per node). */
function maskValue(value: unknown, pointer: string, masking: ArgsMasking, masked: string[]): unknown {
  if (typeof value === 'string') {
    const counts: MaskCounts = {};
    const out = maskText(value, masking.detectors, masking.style, counts);
    if (out !== value) masked.push(pointer);
    return out;
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 1e12 && isCardNumber(String(value))) {
      masked.push(pointer);
      return renderMask(masking.style, 'pan', String(value));
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => maskValue(item, `${pointer}/${i}`, masking, masked));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = maskValue((value as Record<string, unknown>)[key], pointer + escapeSegment(key), masking, masked);
    return out;
  }
  return value;
}

export function maskArgs(args: unknown, redact: readonly string[], masking: ArgsMasking): MaskedArgs {
  const masked: string[] = [];
  const kept = removeFields(args, redact, masked);
  const value = maskValue(kept, '', masking, masked);
  return { value, masked };
}
