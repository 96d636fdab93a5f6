import { mapArgsToCedar } from '../../../src/calls/args-to-cedar';
import { parseStrictJson } from '../../../src/calls/strict-json';
import type { JsonObject } from '../../../src/calls/types';
import { fixture } from './request-builder';

function parsed(text: string): JsonObject {
  const result = parseStrictJson(text, 64);
  if (result.kind !== 'parsed') throw new Error(`fixture does not parse: ${text}`);
  return result.value as JsonObject;
}

const mapText = (text: string) => mapArgsToCedar(parsed(text));
const decimal = (arg: string) => ({ __extn: { fn: 'decimal', arg } });

describe('mapArgsToCedar', () => {
  it('maps a parsed body: strings, Longs, decimals, sets, records; null fields are omitted', () => {
    expect(mapArgsToCedar(parsed(fixture('http/refund.json').toString('utf8')))).toEqual({
      kind: 'mapped',
      value: { amount: decimal('12.5'), currency: 'EUR', count: 3, order: { id: 'o-1', tags: ['a', 'b'] } },
    });
  });

  it('maps booleans and the integer bounds of the safe range', () => {
    expect(mapText('{"t":true,"f":false,"max":9007199254740991,"min":-9007199254740991,"z":-0}')).toEqual({
      kind: 'mapped', value: { t: true, f: false, max: 9007199254740991, min: -9007199254740991, z: 0 },
    });
  });

  it.each([
    ['1.5', '1.5'], ['-0.25', '-0.25'], ['1.0', '1.0'], ['1.50000', '1.5'], ['0.0001', '0.0001'], ['-0.0', '0.0'],
    ['922337203685477.5807', '922337203685477.5807'], ['-922337203685477.5808', '-922337203685477.5808'],
  ])('maps the literal %s to decimal("%s") from its source text', (literal, arg) => {
    expect(mapText(`{"x":${literal}}`)).toEqual({ kind: 'mapped', value: { x: decimal(arg) } });
  });

  it.each([
    ['more than 4 fractional digits', '0.12345'],
    ['an exponent', '1e2'],
    ['an exponent with a fraction', '1.5E3'],
    ['a decimal above the Cedar range', '922337203685477.5808'],
    ['an integer above the safe range', '9007199254740992'],
    ['an integer below the safe range', '-9007199254740993'],
  ])('reports %s as unmappable', (_name, literal) => {
    expect(mapText(`{"x":${literal}}`)).toMatchObject({ kind: 'unmappable', path: '$.x' });
  });

  it('never takes a decimal from a JS double (arguments built without source text)', () => {
    expect(mapArgsToCedar({ x: 0.1 })).toMatchObject({ kind: 'unmappable', path: '$.x' });
    expect(mapArgsToCedar({ x: 2 ** 60 })).toMatchObject({ kind: 'unmappable' });
    expect(mapArgsToCedar({ x: 5 })).toEqual({ kind: 'mapped', value: { x: 5 } });
  });

  it('ignores source text that no longer matches the value', () => {
    const args = parsed('{"x":1.25}');
    args.x = 7.5;
    expect(mapArgsToCedar(args)).toMatchObject({ kind: 'unmappable', path: '$.x' });
  });

  it('maps numbers inside arrays from their source text', () => {
    expect(mapText('{"xs":[1,2.5]}')).toEqual({ kind: 'mapped', value: { xs: [1, decimal('2.5')] } });
  });

  it('reports null inside an array with its path', () => {
    expect(mapText('{"a":{"b":[1,null]}}')).toEqual({ kind: 'unmappable', path: '$.a.b[1]', message: expect.any(String) });
  });

  it.each(['__entity', '__extn', '__expr'])('reports a %s key anywhere as unmappable (Cedar JSON injection)', (key) => {
    expect(mapText(`{"${key}":{"type":"User","id":"admin"}}`)).toMatchObject({ kind: 'unmappable', path: `$.${key}` });
    expect(mapText(`{"a":[{"${key}":1}]}`)).toMatchObject({ kind: 'unmappable', path: `$.a[0].${key}` });
  });

  it('reports strings and keys with lone surrogates', () => {
    expect(mapText('{"s":"\\ud800"}')).toMatchObject({ kind: 'unmappable', path: '$.s' });
    expect(mapText('{"\\udc00":1}')).toMatchObject({ kind: 'unmappable' });
    expect(mapText('{"s":"\\ud83d\\ude00"}')).toEqual({ kind: 'mapped', value: { s: '\u{1F600}' } });
  });

  it('keeps __proto__ as an ordinary attribute', () => {
    const result = mapText('{"__proto__":{"admin":true}}');
    if (result.kind !== 'mapped') throw new Error('unmappable');
    expect(Object.keys(result.value)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    expect(JSON.stringify(result.value)).toBe('{"__proto__":{"admin":true}}');
  });

  it('quotes non-identifier keys in paths', () => {
    expect(mapText('{"a b":[null]}')).toMatchObject({ path: '$["a b"][0]' });
  });

  it('maps empty arrays and objects', () => {
    expect(mapText('{"xs":[],"o":{}}')).toEqual({ kind: 'mapped', value: { xs: [], o: {} } });
  });
});
