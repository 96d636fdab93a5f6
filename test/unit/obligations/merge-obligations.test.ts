import { mergeObligations } from '../../../src/obligations/merge-obligations';

describe('mergeObligations', () => {
  it('takes the sorted union of every list (restrictive merge)', () => {
    const merged = mergeObligations([
      { mask: ['pan', 'email'], maskFields: ['$.b'], redactArgs: [] },
      { mask: ['email', 'jwt'], maskFields: ['$.a'], redactArgs: ['password'] },
    ]);
    expect(merged).toEqual({ mask: ['email', 'jwt', 'pan'], maskFields: ['$.a', '$.b'], redactArgs: ['password'] });
  });

  it('gives empty lists for no permits', () => {
    expect(mergeObligations([])).toEqual({ mask: [], maskFields: [], redactArgs: [] });
  });
});
