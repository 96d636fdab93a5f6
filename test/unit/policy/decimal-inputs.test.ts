import { schemaToJson, type SchemaJson } from '@cedar-policy/cedar-wasm/nodejs';
import { decimalInputsOf, widenDecimals } from '../../../src/policy/decimal-inputs';

function schemaOf(text: string): SchemaJson<string> {
  const r = schemaToJson(text);
  if (r.type !== 'success') throw new Error(JSON.stringify(r.errors));
  return r.json;
}

const schema = schemaOf(`
  entity User; entity Server;
  type Money = { value: decimal, currency: String };
  action refund appliesTo { principal: User, resource: Server, context: { input: { amount: decimal, count: Long, prices: Set<decimal>, total: Money } } };
  action plain appliesTo { principal: User, resource: Server, context: { input: { n: Long } } };
`);

describe('decimal inputs', () => {
  const shapes = decimalInputsOf(schema);

  it('finds decimal positions through records, sets and common types, and only for actions that have them', () => {
    expect([...shapes.keys()]).toEqual(['refund']);
  });

  it('widens integers at decimal positions to the equal decimal and leaves everything else alone', () => {
    const shape = shapes.get('refund')!;
    const input = { amount: 600, count: 3, prices: [1, { __extn: { fn: 'decimal', arg: '2.5' } }], total: { value: 7, currency: 'EUR' } };
    expect(widenDecimals(input, shape)).toEqual({
      amount: { __extn: { fn: 'decimal', arg: '600.0' } },
      count: 3,
      prices: [{ __extn: { fn: 'decimal', arg: '1.0' } }, { __extn: { fn: 'decimal', arg: '2.5' } }],
      total: { value: { __extn: { fn: 'decimal', arg: '7.0' } }, currency: 'EUR' },
    });
    expect(input.amount).toBe(600); // the caller's value is not mutated
  });

  it('keeps integers beyond the decimal range as Long, so validation still denies them', () => {
    const shape = shapes.get('refund')!;
    expect(widenDecimals({ amount: 922337203685478 }, shape)).toEqual({ amount: 922337203685478 });
    expect(widenDecimals({ amount: -922337203685477 }, shape)).toEqual({ amount: { __extn: { fn: 'decimal', arg: '-922337203685477.0' } } });
  });
});
