import { convertInputSchema } from '../../../src/schema-gen/json-schema-to-cedar';
import { emitCedarSchema, cedarString } from '../../../src/schema-gen/emit-cedar-schema';
import { completeSchema } from '../../../src/policy/complete-schema';
import { readBaseSchema } from '../../../src/policy/load-bundle';
import type { CedarType } from '../../../src/schema-gen/cedar-type';

const object = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties, required });
const typeOf = (property: unknown): CedarType | undefined => convertInputSchema(object({ p: property }), '').input.attributes[0]?.type;
const problemsOf = (property: unknown) => convertInputSchema(object({ p: property }), '').problems;

describe('JSON Schema → Cedar type (as callgate maps argument values)', () => {
  it.each([
    [{ type: 'string' }, { kind: 'string' }],
    [{ type: 'string', format: 'date-time', pattern: '^x' }, { kind: 'string' }],
    [{ type: 'integer', minimum: 0 }, { kind: 'long' }],
    [{ type: 'number' }, { kind: 'decimal' }],
    [{ type: 'boolean' }, { kind: 'bool' }],
    [{ enum: ['a', 'b'] }, { kind: 'string' }],
    [{ const: 3 }, { kind: 'long' }],
    [{ type: 'array', items: { type: 'integer' } }, { kind: 'set', element: { kind: 'long' } }],
    [{ properties: { a: { type: 'string' } }, required: ['a'] }, { kind: 'record', attributes: [{ name: 'a', type: { kind: 'string' }, required: true }] }],
    [{ allOf: [{ type: 'string' }] }, { kind: 'string' }],
  ])('%j → %j', (schema, expected) => {
    expect(typeOf(schema)).toEqual(expected);
    expect(problemsOf(schema)).toEqual([]);
  });

  it('makes required fields required and the others optional; nullable fields optional (callgate drops null fields)', () => {
    const { input, problems } = convertInputSchema(
      object({ a: { type: 'string' }, b: { type: 'string' }, c: { type: ['string', 'null'] }, d: { anyOf: [{ type: 'integer' }, { type: 'null' }] }, e: { type: 'string', nullable: true } }, ['a', 'c', 'd', 'e']),
      '',
    );
    expect(problems).toEqual([]);
    expect(input.attributes.map((a) => [a.name, a.required])).toEqual([
      ['a', true],
      ['b', false],
      ['c', false],
      ['d', false],
      ['e', false],
    ]);
  });

  it('merges allOf of plain objects', () => {
    const { input, problems } = convertInputSchema({ allOf: [object({ a: { type: 'string' } }, ['a']), object({ b: { type: 'integer' } })] }, '');
    expect(problems).toEqual([]);
    expect(input.attributes.map((a) => `${a.name}${a.required ? '' : '?'}`)).toEqual(['a', 'b?']);
  });

  it.each([
    [{ oneOf: [{ type: 'string' }, { type: 'integer' }] }, '/properties/p/oneOf', /no union types/],
    [{ anyOf: [{ type: 'string' }, { type: 'integer' }, { type: 'null' }] }, '/properties/p/anyOf', /2 alternatives besides null/],
    [{ type: ['string', 'integer'] }, '/properties/p/type', /several types/],
    [{ type: 'null' }, '/properties/p/type', /null/],
    [{ type: 'object', patternProperties: { '^x': { type: 'string' } } }, '/properties/p/patternProperties', /fixed attribute names/],
    [{ type: 'object', additionalProperties: { type: 'string' } }, '/properties/p/additionalProperties', /map with free keys/],
    [{ type: 'object' }, '/properties/p', /free-form/],
    [{ type: 'array', items: [{ type: 'string' }] }, '/properties/p/items', /tuple/],
    [{ type: 'array', prefixItems: [{ type: 'string' }] }, '/properties/p/prefixItems', /tuple/],
    [{ type: 'array' }, '/properties/p', /without "items"/],
    [{}, '/properties/p', /no type/],
    [true, '/properties/p', /any value/],
    [{ $ref: '#/$defs/Node' }, '/properties/p/$ref', /recursive/],
    [{ allOf: [{ type: 'string' }, { minLength: 2 }] }, '/properties/p/allOf', /plain object/],
  ])('reports %j at its JSON pointer and leaves it out', (schema, pointer, message) => {
    const { input, problems } = convertInputSchema(object({ p: schema, q: { type: 'string' } }), '');
    expect(problems).toEqual([expect.objectContaining({ pointer, message: expect.stringMatching(message) })]);
    expect(input.attributes.map((a) => a.name)).toEqual(['q']);
  });

  it('reports constraints with no Cedar form without dropping the type, and nulls inside arrays', () => {
    expect(problemsOf({ type: 'string', not: { const: 'x' } })).toEqual([expect.objectContaining({ pointer: '/properties/p/not' })]);
    expect(problemsOf({ type: 'array', items: { type: ['string', 'null'] } })).toEqual([expect.objectContaining({ pointer: '/properties/p/items', message: expect.stringContaining('null inside an array') })]);
    expect(problemsOf({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: true })).toEqual([
      expect.objectContaining({ pointer: '/properties/p/additionalProperties', message: expect.stringContaining('closed') }),
    ]);
  });

  it("reports attribute names Cedar's JSON format reserves", () => {
    const { problems } = convertInputSchema(object({ __entity: { type: 'string' } }), '/x');
    expect(problems).toEqual([{ pointer: '/x/properties/__entity', message: expect.stringContaining('reserved') }]);
  });

  it('keeps "__proto__" as an ordinary attribute (as the argument mapping does)', () => {
    const { input, problems } = convertInputSchema(JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}},"required":["__proto__"]}'), '');
    expect(problems).toEqual([]);
    expect(input.attributes).toEqual([{ name: '__proto__', type: { kind: 'string' }, required: true }]);
  });

  it('escapes JSON pointers (~ and /) and refuses an input that is not an object', () => {
    expect(convertInputSchema(object({ 'a/b~c': { type: 'array' } }), '').problems[0]?.pointer).toBe('/properties/a~1b~0c');
    expect(convertInputSchema({ type: 'string' }, '/s').problems).toEqual([{ pointer: '/s', message: expect.stringContaining('must describe an object') }]);
  });
});

describe('emitCedarSchema', () => {
  it('quotes every name, so odd tool and field names still load with Cedar', async () => {
    const odd = 'we"ird\\na\tme\u0001 😀 \u2028';
    const text = emitCedarSchema(['header'], [{ name: 'group "x"', doc: odd }], [
      {
        name: odd,
        groups: ['group "x"'],
        doc: odd,
        input: { kind: 'record', attributes: [{ name: odd, type: { kind: 'set', element: { kind: 'record', attributes: [{ name: 'in', type: { kind: 'decimal' }, required: false }] } }, required: true }] },
        problems: [{ pointer: '/a\nb', message: 'two\nlines' }],
      },
    ]);
    const checked = completeSchema({ baseText: await readBaseSchema(), userFile: 'schema.cedarschema', userText: text });
    expect(checked.kind).toBe('ok');
    if (checked.kind !== 'ok') return;
    expect(checked.schema.functions.has(odd)).toBe(true);
    expect(checked.schema.parents.get(odd)).toEqual(['group "x"']);
    expect(text).toContain('// not expressed: /a b: two lines');
  });

  it('writes Cedar string escapes', () => {
    expect(cedarString('a"b\\c\nd\u0000')).toBe('"a\\"b\\\\c\\nd\\u{0}"');
  });
});
