import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { builtInDetector } from '../../../src/masking/detectors';
import { maskJsonText } from '../../../src/masking/mask-json';
import type { MaskCounts, MaskPlan } from '../../../src/masking/types';
import { KNOWN_DETECTORS } from '../../../src/obligations/detectors';

const ALL = KNOWN_DETECTORS.map(builtInDetector);
const plan = (over: Partial<MaskPlan> = {}): MaskPlan => ({ detectors: ALL, fields: [], style: { kind: 'partial' }, ...over });
const fixture = (name: string): string => readFileSync(join(__dirname, '../../fixtures/masking', name), 'utf8');

describe('maskJsonText', () => {
  it('keeps formatting, types and number spellings; masks strings and card-number numbers', () => {
    const text = '{ "id": 12, "amount": 10.50, "big": 123456789012345678901234, "card": 4111111111111111, "note": "pay 4111-1111-1111-1111" }';
    const counts: MaskCounts = {};
    const out = maskJsonText(text, plan(), counts);
    expect(out).toBe('{ "id": 12, "amount": 10.50, "big": 123456789012345678901234, "card": "************1111", "note": "pay ****-****-****-1111" }');
    expect(counts).toEqual({ pan: 2 });
  });

  it('@mask_fields redact the selected values whole, also under duplicate keys', () => {
    const out = maskJsonText('{"a":{"cvv":"123","k":[1,2]},"a":{"cvv":"456"},"x":1}', plan({ fields: ['$..cvv', '$.a.k'] }), {});
    expect(out).toBe('{"a":{"cvv":"[REDACTED:field]","k":"[REDACTED:field]"},"a":{"cvv":"[REDACTED:field]"},"x":1}');
  });

  it('MCP tool result: text JSON twin and structuredContent masked the same way; resource.text masked', () => {
    const counts: MaskCounts = {};
    const out = JSON.parse(maskJsonText(fixture('mcp-tool-result.json'), plan({ fields: ['$.cvv'] }), counts)) as {
      result: { content: [{ text: string }, { resource: { text: string } }]; structuredContent: Record<string, string> };
    };
    const twin = JSON.parse(out.result.content[0].text) as Record<string, string>;
    expect(out.result.structuredContent).toEqual(twin);
    expect(twin).toEqual({ name: 'Ana Lee', email: '[REDACTED:email]', card: '**** **** **** 1111', cvv: '[REDACTED:field]' });
    expect(out.result.content[1].resource.text).toBe('card on file ****-****-****-4444');
    expect(counts).toEqual({ pan: 3, email: 2, field: 2 });
  });

  it('JSON-RPC error message and data are masked', () => {
    const out = maskJsonText('{"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"bad card 4111111111111111","data":{"who":"a@b.io"}}}', plan(), {});
    expect(out).toBe('{"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"bad card ************1111","data":{"who":"[REDACTED:email]"}}}');
  });

  it('a body that is not JSON is masked as text', () => {
    expect(maskJsonText('card: 4111 1111 1111 1111', plan({ style: { kind: 'full' } }), {})).toBe('card: [REDACTED:pan]');
  });

  it('property: any JSON stays valid, keeps its shape, and planted card numbers never survive', () => {
    const card = '4111111111111111';
    const leaf = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string(), fc.constant(`x ${card} y`), fc.constant(Number(card)));
    fc.assert(
      fc.property(fc.jsonValue().chain((v) => fc.tuple(fc.constant(v), leaf)), fc.integer({ min: 0, max: 2 }), ([value, planted], indent) => {
        const doc = { value, planted, nested: JSON.stringify({ planted }) };
        const out = maskJsonText(JSON.stringify(doc, null, indent), plan(), {});
        const parsed = JSON.parse(out) as { value: unknown };
        expect(out).not.toContain(card);
        expect(Object.keys(parsed)).toEqual(['value', 'planted', 'nested']);
      }),
    );
  });

  it('property: never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => expect(typeof maskJsonText(text, plan(), {})).toBe('string')));
  });
});
