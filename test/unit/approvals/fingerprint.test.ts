import { computeFingerprint, type CallIdentity } from '../../../src/approvals/fingerprint';
import { parseStrictJson } from '../../../src/calls/strict-json';
import type { JsonObject } from '../../../src/calls/types';

function callOf(text: string, over: Partial<CallIdentity> = {}): CallIdentity {
  const parsed = parseStrictJson(text, 64);
  if (parsed.kind !== 'parsed') throw new Error('bad fixture');
  const input = parsed.value as JsonObject;
  return {
    principal: { type: 'Service', id: 'deploy-bot' },
    function: 'payments.refund',
    server: 'payments',
    policyIds: ['needs-approval'],
    input,
    ...over,
  };
}

describe('computeFingerprint', () => {
  it('is the same for the same call written with other key order, spacing or number spelling', () => {
    const a = computeFingerprint(callOf('{"orderId":"o-1","amount":12.50,"meta":{"b":1,"a":[1,2]}}'));
    const b = computeFingerprint(callOf('{ "meta": {"a": [1, 2], "b": 1.0}, "amount": 12.5, "orderId": "o-1" }'));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
  });

  it('differs when anything that binds the call differs', () => {
    const base = computeFingerprint(callOf('{"orderId":"o-1","amount":12.5}'));
    const variants = [
      callOf('{"orderId":"o-2","amount":12.5}'),
      callOf('{"orderId":"o-1","amount":12.51}'),
      callOf('{"orderId":"o-1","amount":12.5,"extra":null}'),
      callOf('{"orderId":"o-1","amount":12.5}', { principal: { type: 'Service', id: 'other-bot' } }),
      callOf('{"orderId":"o-1","amount":12.5}', { principal: { type: 'User', id: 'deploy-bot' } }),
      callOf('{"orderId":"o-1","amount":12.5}', { function: 'payments.charge' }),
      callOf('{"orderId":"o-1","amount":12.5}', { server: 'payments-eu' }),
      callOf('{"orderId":"o-1","amount":12.5}', { policyIds: ['other-policy'] }),
    ];
    for (const v of variants) expect(computeFingerprint(v)).not.toBe(base);
  });

  it('keeps integers that JSON numbers would round together apart', () => {
    const a = computeFingerprint(callOf('{"n":9007199254740993}'));
    const b = computeFingerprint(callOf('{"n":9007199254740992}'));
    expect(a).not.toBe(b);
  });

  it('does not depend on the order of the policy ids', () => {
    expect(computeFingerprint(callOf('{}', { policyIds: ['a', 'b'] }))).toBe(computeFingerprint(callOf('{}', { policyIds: ['b', 'a'] })));
  });
});
