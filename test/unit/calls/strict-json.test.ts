import { parseStrictJson } from '../../../src/calls/strict-json';
import { numberTextOf } from '../../../src/calls/number-text';
import { fixture } from './request-builder';

function parse(text: string, maxDepth = 16) {
  return parseStrictJson(text, maxDepth);
}

describe('parseStrictJson', () => {
  it('parses a JSON object and keeps each number literal text beside it', () => {
    const result = parse(fixture('http/refund.json').toString('utf8'));
    expect(result.kind).toBe('parsed');
    if (result.kind !== 'parsed') return;
    expect(result.value).toEqual({ amount: 12.5, currency: 'EUR', count: 3, order: { id: 'o-1', tags: ['a', 'b'] }, note: null });
    const value = result.value as Record<string, unknown>;
    expect(numberTextOf(value, 'amount')).toBe('12.5');
    expect(numberTextOf(value, 'count')).toBe('3');
    expect(numberTextOf(value, 'currency')).toBeUndefined();
    expect(Object.keys(value)).toEqual(['amount', 'currency', 'count', 'order', 'note']);
  });

  it('keeps number texts of array items by index', () => {
    const result = parse('[1.50, 2, "x", 3e2]');
    if (result.kind !== 'parsed') throw new Error('not parsed');
    expect(numberTextOf(result.value as object, 0)).toBe('1.50');
    expect(numberTextOf(result.value as object, 3)).toBe('3e2');
    expect(numberTextOf(result.value as object, 2)).toBeUndefined();
  });

  it.each([
    ['duplicate key', 'http/duplicate-key.json'],
    ['case-variant key', 'http/case-variant-key.json'],
  ])('rejects a %s', (_name, file) => {
    const result = parse(fixture(file).toString('utf8'));
    expect(result).toMatchObject({ kind: 'invalid', code: 'ERR_CALL_DUPLICATE_KEY' });
  });

  it('rejects keys equal under Unicode case folding (long s, Kelvin sign)', () => {
    expect(parse('{"s":1,"\u017f":2}')).toMatchObject({ code: 'ERR_CALL_DUPLICATE_KEY' });
    expect(parse('{"k":1,"\u212a":2}')).toMatchObject({ code: 'ERR_CALL_DUPLICATE_KEY' });
  });

  it('allows the same key in different objects', () => {
    expect(parse('{"a":{"id":1},"b":{"id":2}}').kind).toBe('parsed');
  });

  it('treats __proto__ and constructor as data, not as a prototype change', () => {
    const result = parse(fixture('http/proto-keys.json').toString('utf8'));
    if (result.kind !== 'parsed') throw new Error('not parsed');
    const value = result.value as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(value)).toBeNull();
    expect((value as { admin?: unknown }).admin).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ admin: true });
    expect(({} as { admin?: unknown }).admin).toBeUndefined();
  });

  it.each([
    ['trailing comma', fixture('http/trailing-comma.json').toString('utf8')],
    ['comment', fixture('http/comment.json').toString('utf8')],
    ['empty', ''],
    ['whitespace only', '  '],
    ['single quotes', "{'a':1}"],
    ['leading zero', '{"a":01}'],
    ['NaN', '{"a":NaN}'],
    ['non-breaking space as whitespace', '{"a":\u00a01}'],
    ['raw control character in a string', '{"a":"\u0001"}'],
    ['invalid escape', '{"a":"\\x41"}'],
    ['two documents', '{}{}'],
    ['truncated', '{"a":[1,2'],
    ['unquoted key', '{a:1}'],
  ])('rejects %s as invalid JSON', (_name, text) => {
    expect(parse(text)).toMatchObject({ kind: 'invalid', code: 'ERR_CALL_INVALID_JSON' });
  });

  it('limits nesting depth, counting the top-level container as 1', () => {
    expect(parse('[[[1]]]', 3).kind).toBe('parsed');
    expect(parse('[[[[1]]]]', 3)).toMatchObject({ kind: 'invalid', code: 'ERR_CALL_TOO_DEEP' });
    expect(parse('{"a":{"b":{"c":{}}}}', 3)).toMatchObject({ code: 'ERR_CALL_TOO_DEEP' });
  });

  it('stops at the depth limit on very deep input without overflowing the stack', () => {
    expect(parse('['.repeat(200000), 100)).toMatchObject({ code: 'ERR_CALL_TOO_DEEP' });
  });
});
