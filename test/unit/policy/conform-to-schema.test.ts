import { schemaToJson, type SchemaJson, type Type } from '@cedar-policy/cedar-wasm/nodejs';
import { conformToType, schemaNamesOf } from '../../../src/policy/conform-to-schema';

function schemaOf(text: string): SchemaJson<string> {
  const r = schemaToJson(text);
  if (r.type !== 'success') throw new Error(JSON.stringify(r.errors));
  return r.json;
}

const schema = schemaOf(`
  entity User; entity Server;
  type Money = { value: decimal, currency: String };
  action refund appliesTo { principal: User, resource: Server, context: {
    input: { amount: decimal, count: Long, ok: Bool, tags: Set<String>, prices: Set<decimal>, total: Money,
             owner?: User, from?: ipaddr, note?: String } } };
`);
const names = schemaNamesOf(schema);
const inputType = (schema['']!.actions.refund!.appliesTo!.context as { attributes: Record<string, Type<string>> }).attributes.input!;
const valid = { amount: '12.50', count: 3, ok: true, tags: ['a'], prices: [1, { __extn: { fn: 'decimal', arg: '2.5' } }], total: { value: 7, currency: 'EUR' } };

describe('conformToType (Cedar strict request validation, in JS)', () => {
  it('rewrites a valid input into explicit Cedar JSON: decimals from strings and integers, entities, ips', () => {
    const r = conformToType({ ...valid, owner: { type: 'User', id: 'alice' }, from: '10.0.0.1' }, inputType, names);
    expect(r).toEqual({
      kind: 'ok',
      value: {
        amount: { __extn: { fn: 'decimal', arg: '12.50' } }, count: 3, ok: true, tags: ['a'],
        prices: [{ __extn: { fn: 'decimal', arg: '1.0' } }, { __extn: { fn: 'decimal', arg: '2.5' } }],
        total: { value: { __extn: { fn: 'decimal', arg: '7.0' } }, currency: 'EUR' },
        owner: { __entity: { type: 'User', id: 'alice' } }, from: { __extn: { fn: 'ip', arg: '10.0.0.1' } },
      },
    });
  });

  it.each([
    [{ ...valid, count: '3' }, '$.count', /expected Long/],
    [{ ...valid, count: 1.5 }, '$.count', /expected Long/],
    [{ ...valid, ok: 'yes' }, '$.ok', /expected Bool/],
    [{ ...valid, tags: 'a' }, '$.tags', /expected a set/],
    [{ ...valid, tags: [1] }, '$.tags[0]', /expected String/],
    [{ ...valid, amount: true }, '$.amount', /expected decimal/],
    [{ ...valid, amount: 922337203685478 }, '$.amount', /expected decimal/],
    [{ ...valid, amount: { __extn: { fn: 'ip', arg: '1.2.3.4' } } }, '$.amount', /expected decimal/],
    [{ ...valid, owner: { type: 'Server', id: 'x' } }, '$.owner', /entity of type User/],
    [{ ...valid, owner: { type: 'User', id: 'x', extra: 1 } }, '$.owner', /entity of type User/],
    [{ ...valid, total: { value: 1 } }, '$.total.currency', /missing/],
    [{ ...valid, sneaky: 1 }, '$.sneaky', /not declared/],
    [(({ count: _c, ...rest }) => rest)(valid), '$.count', /missing/],
  ])('rejects %j at its path', (value, path, message) => {
    const r = conformToType(value as never, inputType, names);
    expect(r).toEqual({ kind: 'invalid', path, message: expect.stringMatching(message) });
  });

  it('does not mutate its input', () => {
    const copy = structuredClone(valid);
    conformToType(valid, inputType, names);
    expect(valid).toEqual(copy);
  });
});
