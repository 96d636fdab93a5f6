import { readPolicyAnnotations, checkJsonPath } from '../../../src/obligations/policy-annotations';
import { KNOWN_DETECTORS, isKnownDetector } from '../../../src/obligations/detectors';

describe('readPolicyAnnotations', () => {
  it('reads id and permit obligations, trimmed, sorted and deduplicated', () => {
    const { annotations, problems } = readPolicyAnnotations('permit', {
      id: 'p1',
      description: 'free text',
      owner: 'team-a',
      mask: 'pan, email,pan',
      mask_fields: '$.customer.email,$.items[*].card',
      redact_args: 'password,card.cvc',
    });
    expect(problems).toEqual([]);
    expect(annotations).toEqual({ id: 'p1', obligations: { mask: ['email', 'pan'], maskFields: ['$.customer.email', '$.items[*].card'], redactArgs: ['card.cvc', 'password'] } });
  });

  it('reads @reason and @approval on a forbid', () => {
    const { annotations, problems } = readPolicyAnnotations('forbid', { id: 'f', reason: 'no', approval: 'Group::"oncall"' });
    expect(problems).toEqual([]);
    expect(annotations).toMatchObject({ id: 'f', reason: 'no', approvalGroup: 'Group::"oncall"' });
  });

  it.each([
    ['permit', { reason: 'x' }, /only allowed on forbid/],
    ['permit', { approval: 'Group::"g"' }, /only allowed on forbid/],
    ['forbid', { mask: 'pan' }, /only allowed on permit/],
    ['forbid', { mask_fields: '$.a' }, /only allowed on permit/],
    ['forbid', { redact_args: 'a' }, /only allowed on permit/],
    ['permit', { cache: 'x' }, /unknown annotation @cache/],
    ['permit', { mask: 'pan,,email' }, /empty entry/],
    ['permit', { mask: '' }, /empty entry/],
    ['permit', { mask: 'PAN' }, /unknown detector "PAN"/],
    ['permit', { mask_fields: 'customer.email' }, /invalid JSONPath/],
    ['permit', { redact_args: 'a b' }, /invalid argument path/],
    ['forbid', { approval: 'User::"x"' }, /must name a Group entity/],
    ['forbid', { approval: 'Group::oncall' }, /must name a Group entity/],
    ['forbid', { reason: '  ' }, /must not be empty/],
    ['permit', { id: '' }, /@id must be a non-empty/],
  ] as const)('%s with %j is a problem', (effect, annotations, message) => {
    const { problems } = readPolicyAnnotations(effect, annotations);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(message);
  });

  it('knows exactly the documented detectors', () => {
    expect(KNOWN_DETECTORS).toEqual(['pan', 'email', 'ssn', 'iban', 'phone', 'jwt', 'aws_key', 'private_key', 'api_token']);
    expect(isKnownDetector('jwt')).toBe(true);
    expect(isKnownDetector('credit_score')).toBe(false);
  });

  it('checks JSONPath syntax (RFC 9535)', () => {
    expect(checkJsonPath('$..pan')).toBeUndefined();
    expect(checkJsonPath("$['a b'][0]")).toBeUndefined();
    expect(checkJsonPath('$.a[')).toEqual(expect.any(String));
  });
});
