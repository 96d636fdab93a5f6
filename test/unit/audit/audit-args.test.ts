import fc from 'fast-check';
import { maskArgs, pointerOf, segmentsOf } from '../../../src/audit/audit-args';
import { DEFAULT_RECORD_OPTIONS } from '../../../src/audit/audit-record';
import { builtInDetector } from '../../../src/masking/detectors';

const masking = DEFAULT_RECORD_OPTIONS.masking;

describe('recorded arguments', () => {
  it('masks sensitive strings with the response detectors (full style) and lists where', () => {
    const args = { note: 'card 4111 1111 1111 1111 from bob@example.com', amount: 5, nested: { items: ['ok', 'alice@example.com'] } };
    const out = maskArgs(args, [], masking);
    expect(out.value).toEqual({ note: 'card [REDACTED:pan] from [REDACTED:email]', amount: 5, nested: { items: ['ok', '[REDACTED:email]'] } });
    expect(out.masked).toEqual(['/note', '/nested/items/1']);
    expect(args.note).toContain('4111'); // the call's own arguments are untouched
  });

  it('masks a card number written as a JSON number', () => {
    expect(maskArgs({ pan: 4111111111111111, qty: 4111 }, [], masking)).toEqual({ value: { pan: '[REDACTED:pan]', qty: 4111 }, masked: ['/pan'] });
  });

  it('removes @redact_args fields (dotted paths) whatever their value', () => {
    const out = maskArgs({ password: 'hunter2', card: { cvc: '123', last4: '1111' }, user: 'u' }, ['password', 'card.cvc', 'absent.x'], masking);
    expect(out.value).toEqual({ card: { last4: '1111' }, user: 'u' });
    expect(out.masked).toEqual(['/password', '/card/cvc']);
  });

  it('uses the configured style (partial keeps the last four)', () => {
    const out = maskArgs({ pan: '4111 1111 1111 1111' }, [], { detectors: [builtInDetector('pan')], style: { kind: 'partial' } });
    expect(out.value).toEqual({ pan: '**** **** **** 1111' });
  });

  it('escapes JSON Pointer segments both ways', () => {
    expect(pointerOf(['a/b', 'c~d', 0])).toBe('/a~1b/c~0d/0');
    expect(segmentsOf('/a~1b/c~0d/0')).toEqual(['a/b', 'c~d', '0']);
  });

  it('never throws and never leaves a detected card number in the copy (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const out = maskArgs({ value, card: '4111111111111111' }, [], masking);
        expect(JSON.stringify(out.value)).not.toContain('4111111111111111');
      }),
      { numRuns: 200 },
    );
  });
});
