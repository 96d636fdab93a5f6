import { reduceResidual } from '../../../src/policy/reduce-residual';

describe('reduceResidual', () => {
  const ctx = { Record: { caller: { Record: { kind: { Value: 'agent' } } }, input: { unknown: [{ Value: 'input' }] } } };
  it('does attribute access and `has` on record literals, bottom-up', () => {
    expect(reduceResidual({ '.': { left: { '.': { left: ctx, attr: 'caller' } }, attr: 'kind' } })).toEqual({ Value: 'agent' });
    expect(reduceResidual({ has: { left: { '.': { left: ctx, attr: 'caller' } }, attr: 'kind' } })).toEqual({ Value: true });
    expect(reduceResidual({ has: { left: ctx, attr: 'approval' } })).toEqual({ Value: false });
  });
  it('leaves accesses on unknowns and missing attributes alone', () => {
    const onUnknown = { '.': { left: { '.': { left: ctx, attr: 'input' } }, attr: 'path' } };
    expect(reduceResidual(onUnknown)).toEqual({ '.': { left: { unknown: [{ Value: 'input' }] }, attr: 'path' } });
    const missing = { '.': { left: ctx, attr: 'nope' } };
    expect(reduceResidual(missing)).toEqual(missing);
  });
});
