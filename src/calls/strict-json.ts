/**
 * Strict JSON (RFC 8259) on top of jsonc-parser's `visit`: comments, trailing commas and empty input are
 * errors; duplicate keys — also keys that differ only by case — and nesting over the limit are rejected.
 * Objects are built with a null prototype and `defineProperty`, so `__proto__` is plain data. The source text
 * of every number literal is kept beside the value (see number-text.ts). Never throws.
 */
import { printParseErrorCode, visit, type ParseErrorCode } from 'jsonc-parser';
import type { JsonObject, JsonValue } from './types';
import { attachNumberTexts } from './number-text';

export type StrictJsonError = 'ERR_CALL_INVALID_JSON' | 'ERR_CALL_DUPLICATE_KEY' | 'ERR_CALL_TOO_DEEP';

export type StrictJsonResult =
  | { readonly kind: 'parsed'; readonly value: JsonValue }
  | { readonly kind: 'invalid'; readonly code: StrictJsonError; readonly message: string };

type Invalid = Extract<StrictJsonResult, { kind: 'invalid' }>;

type Frame =
  | {
      readonly kind: 'object';
      readonly value: JsonObject;
      /** Folded key → first spelling seen, to reject exact and case-variant duplicates. */
      readonly keys: Map<string, string>;
      /** Created at the first number literal (most containers hold none). */
      numbers: Map<string, string> | undefined;
      pendingKey: string;
    }
  | { readonly kind: 'array'; readonly value: JsonValue[]; numbers: Map<number, string> | undefined };

/** Thrown inside visitor callbacks to stop jsonc-parser at the first problem; caught in parseStrictJson. */
class StopParsing {
  constructor(readonly result: Invalid) {}
}

const VISIT_OPTIONS = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false } as const;

/**
 * Folds a key so that keys a case-insensitive decoder (e.g. Go's encoding/json, which uses Unicode simple
 * folding) could confuse compare equal. Upper- then lower-casing also folds "ſ"/"s" and "K"/"k".
 */
export function foldKey(key: string): string {
  return key.toUpperCase().toLowerCase();
}

function stop(code: StrictJsonError, message: string): never {
  throw new StopParsing({ kind: 'invalid', code, message });
}

function createObject(): JsonObject {
  return Object.create(null) as JsonObject;
}

/**
 * On a null-prototype object plain assignment always creates an own data property: no `__proto__` setter
 * or other accessor is inherited (the key was checked not to be there yet).
 */
function setOwn(target: JsonObject, key: string, value: JsonValue): void {
  target[key] = value;
}

/** Builds the value tree from visitor events. */
class TreeBuilder {
  private readonly stack: Frame[] = [];
  root: JsonValue | undefined;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  begin(frame: Frame, offset: number): void {
    if (this.stack.length + 1 > this.maxDepth) stop('ERR_CALL_TOO_DEEP', `nesting exceeds ${this.maxDepth} at offset ${offset}`);
    this.stack.push(frame);
  }

  end(): void {
    const frame = this.stack.pop();
    if (frame === undefined) stop('ERR_CALL_INVALID_JSON', 'unbalanced JSON');
    if (frame.numbers !== undefined) attachNumberTexts(frame.value, frame.numbers);
    this.add(frame.value, undefined);
  }

  property(name: string, offset: number): void {
    const frame = this.stack[this.stack.length - 1];
    if (frame?.kind !== 'object') return stop('ERR_CALL_INVALID_JSON', `unexpected property at offset ${offset}`);
    const folded = foldKey(name);
    const previous = frame.keys.get(folded);
    if (previous === name) stop('ERR_CALL_DUPLICATE_KEY', `duplicate key at offset ${offset}`);
    if (previous !== undefined) stop('ERR_CALL_DUPLICATE_KEY', `keys differing only by case at offset ${offset}`);
    frame.keys.set(folded, name);
    frame.pendingKey = name;
  }

  literal(value: JsonValue, offset: number, length: number): void {
    this.add(value, typeof value === 'number' ? this.text.slice(offset, offset + length) : undefined);
  }

  private add(value: JsonValue, numberText: string | undefined): void {
    const frame = this.stack[this.stack.length - 1];
    if (frame === undefined) {
      this.root = value;
    } else if (frame.kind === 'object') {
      setOwn(frame.value, frame.pendingKey, value);
      if (numberText !== undefined) (frame.numbers ??= new Map()).set(frame.pendingKey, numberText);
    } else {
      if (numberText !== undefined) (frame.numbers ??= new Map()).set(frame.value.length, numberText);
      frame.value.push(value);
    }
  }
}

function isJsonLiteral(value: unknown): value is JsonValue {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function runVisit(text: string, builder: TreeBuilder): void {
  visit(
    text,
    {
      onObjectBegin: (offset) => {
        builder.begin({ kind: 'object', value: createObject(), keys: new Map(), numbers: undefined, pendingKey: '' }, offset);
      },
      onObjectProperty: (name, offset) => builder.property(name, offset),
      onObjectEnd: () => builder.end(),
      onArrayBegin: (offset) => {
        builder.begin({ kind: 'array', value: [], numbers: undefined }, offset);
      },
      onArrayEnd: () => builder.end(),
      onLiteralValue: (value: unknown, offset, length) => {
        if (!isJsonLiteral(value)) stop('ERR_CALL_INVALID_JSON', `unexpected value at offset ${offset}`);
        builder.literal(value, offset, length);
      },
      onError: (error: ParseErrorCode, offset) => stop('ERR_CALL_INVALID_JSON', `${printParseErrorCode(error)} at offset ${offset}`),
    },
    VISIT_OPTIONS,
  );
}

/** Parses `text` as strict JSON with at most `maxDepth` levels of objects/arrays. */
export function parseStrictJson(text: string, maxDepth: number): StrictJsonResult {
  const builder = new TreeBuilder(text, maxDepth);
  try {
    runVisit(text, builder);
  } catch (error) {
    if (error instanceof StopParsing) return error.result;
    if (error instanceof RangeError) return { kind: 'invalid', code: 'ERR_CALL_TOO_DEEP', message: 'nesting too deep to parse' };
    return { kind: 'invalid', code: 'ERR_CALL_INVALID_JSON', message: 'request body could not be parsed' };
  }
  if (builder.root === undefined) return { kind: 'invalid', code: 'ERR_CALL_INVALID_JSON', message: 'empty JSON document' };
  return { kind: 'parsed', value: builder.root };
}

/** A JSON object (not an array, not null). */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
