/** Property tests: the converter is total on arbitrary JSON, and GitHub command escaping round-trips. */
import fc from 'fast-check';
import { convertInputSchema } from '../../../src/schema-gen/json-schema-to-cedar';
import { escapeCommandData, escapeCommandProperty } from '../../../src/ci/github-commands';

/** The runner's unescaping (the inverse of the escaping rules), written out for the test. */
function unescapeProperty(text: string): string {
  return text.replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');
}

describe('properties', () => {
  it('convertInputSchema never throws, and either types the input or says why not', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (schema) => {
        const { input, problems } = convertInputSchema(schema, '');
        expect(input.kind).toBe('record');
        for (const p of problems) expect(p.pointer === '' || p.pointer.startsWith('/')).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('an object schema with typed properties converts without problems whatever the property names', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string().filter((k) => !['__entity', '__extn', '__expr'].includes(k)), fc.constantFrom('string', 'integer', 'number', 'boolean')), (props) => {
        const schema = { type: 'object', properties: Object.fromEntries(Object.entries(props).map(([k, t]) => [k, { type: t }])) };
        const { input, problems } = convertInputSchema(schema, '');
        expect(problems).toEqual([]);
        expect(input.attributes.map((a) => a.name).sort()).toEqual(Object.keys(props).sort());
      }),
    );
  });

  it('escaped command text has no raw CR or LF (and properties no : or ,) and unescapes to the original', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const data = escapeCommandData(text);
        const property = escapeCommandProperty(text);
        expect(/[\r\n]/.test(data)).toBe(false);
        expect(/[\r\n:,]/.test(property)).toBe(false);
        expect(unescapeProperty(property)).toBe(text);
      }),
    );
  });
});
