import fc from 'fast-check';
import { filterToolList } from '../../../src/masking/filter-tools';

const visible = new Set(['a', 'c']);
const list = (names: unknown[]): string => JSON.stringify({ jsonrpc: '2.0', id: 1, result: { tools: names.map((name) => ({ name, inputSchema: { type: 'object' } })), nextCursor: 'x' } });

describe('filterToolList', () => {
  it('keeps only visible tools, each entry byte for byte, and the rest of the message', () => {
    const r = filterToolList(list(['a', 'b', 'c', 'd']), visible);
    expect(r).toEqual({ kind: 'filtered', text: list(['a', 'c']), removed: 2 });
  });
  it('removes entries without a string name; filters every message of a batch', () => {
    const text = JSON.stringify([JSON.parse(list(['a', 7])), { jsonrpc: '2.0', id: 2, result: { tools: [{ title: 'no name' }, { name: 'c' }] } }]);
    const r = filterToolList(text, visible);
    expect(r.kind === 'filtered' ? JSON.parse(r.text) : undefined).toEqual([JSON.parse(list(['a'])), { jsonrpc: '2.0', id: 2, result: { tools: [{ name: 'c' }] } }]);
  });
  it('leaves errors and other results unchanged; refuses text that is not JSON', () => {
    const error = '{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no"}}';
    expect(filterToolList(error, visible)).toEqual({ kind: 'filtered', text: error, removed: 0 });
    expect(filterToolList('{"tools": [', visible)).toEqual({ kind: 'invalid' });
    expect(filterToolList('<html>', visible)).toEqual({ kind: 'invalid' });
  });
  it('property: no hidden tool survives and the output is valid JSON', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e')), fc.boolean(), (names, pretty) => {
        const value = { jsonrpc: '2.0', id: 1, result: { tools: names.map((name) => ({ name })) } };
        const r = filterToolList(JSON.stringify(value, null, pretty ? 2 : undefined), visible);
        if (r.kind !== 'filtered') return false;
        const out = JSON.parse(r.text) as typeof value;
        return out.result.tools.every((t) => visible.has(t.name)) && out.result.tools.length === names.filter((n) => visible.has(n)).length;
      }),
    );
  });
});
