/**
 * Cedar names a slice's policies by position; toBundlePolicyIds maps deciding policies and errors back
 * to the bundle's ids, and any name that is not a position of the slice is a failure (deny).
 */
import type { AuthorizationAnswer } from '@cedar-policy/cedar-wasm/nodejs';
import { toBundlePolicyIds } from '../../../src/policy/slice-policy-ids';

const IDS = ['fn.permit', 'fn.forbid', 'fn.other'];

function success(reason: string[], errorIds: string[] = []): AuthorizationAnswer {
  const errors = errorIds.map((policyId) => ({ policyId, error: { message: `boom in ${policyId}`, help: null, code: null, url: null, severity: null } }));
  return { type: 'success', response: { decision: 'deny', diagnostics: { reason, errors } }, warnings: [] };
}

describe('toBundlePolicyIds', () => {
  it('maps positional names of deciding policies and errors to the slice ids', () => {
    const mapped = toBundlePolicyIds(success(['policy2', 'policy0'], ['policy1']), IDS);
    expect(mapped).toEqual({
      type: 'success',
      response: {
        decision: 'deny',
        diagnostics: { reason: ['fn.other', 'fn.permit'], errors: [{ policyId: 'fn.forbid', error: expect.objectContaining({ message: 'boom in policy1' }) }] },
      },
      warnings: [],
    });
  });

  it.each([['policy3'], ['policy01'], ['policy-1'], ['policy'], ['fn.permit'], ['policy1.5']])('turns the unknown name %s into a failure', (name) => {
    const mapped = toBundlePolicyIds(success(['policy0', name]), IDS);
    expect(mapped.type).toBe('failure');
    if (mapped.type === 'failure') expect(mapped.errors[0]?.message).toContain(`"${name}"`);
    const inErrors = toBundlePolicyIds(success([], [name]), IDS);
    expect(inErrors.type).toBe('failure');
  });

  it('passes a failure through', () => {
    const failure: AuthorizationAnswer = { type: 'failure', errors: [{ message: 'bad request', help: null, code: null, url: null, severity: null }], warnings: [] };
    expect(toBundlePolicyIds(failure, IDS)).toBe(failure);
  });
});
