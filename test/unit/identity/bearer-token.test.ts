import { extractBearerToken, hashToken } from '../../../src/identity/bearer-token';

const headers = (authorization?: string): Map<string, string> => new Map(authorization === undefined ? [] : [['authorization', authorization]]);

describe('extractBearerToken', () => {
  it('finds no credential without an Authorization header or with another scheme', () => {
    expect(extractBearerToken(headers(), 100)).toEqual({ kind: 'none' });
    expect(extractBearerToken(headers('Basic dXNlcjpwYXNz'), 100)).toEqual({ kind: 'none' });
  });

  it('classifies JWT-shaped and opaque tokens and hashes them', () => {
    expect(extractBearerToken(headers('Bearer aaa.bbb.ccc'), 100)).toEqual({ kind: 'token', token: 'aaa.bbb.ccc', hash: hashToken('aaa.bbb.ccc'), format: 'jwt' });
    expect(extractBearerToken(headers('bearer opaque-Token_1'), 100)).toMatchObject({ kind: 'token', format: 'opaque' });
    expect(hashToken('x')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects malformed and oversized bearer credentials', () => {
    expect(extractBearerToken(headers('Bearer a b'), 100)).toMatchObject({ kind: 'rejected', code: 'ERR_IDENTITY_MALFORMED' });
    expect(extractBearerToken(headers('Bearer '), 100)).toMatchObject({ kind: 'rejected', code: 'ERR_IDENTITY_MALFORMED' });
    expect(extractBearerToken(headers('Bearer a.b+c.d'), 100)).toMatchObject({ kind: 'rejected', code: 'ERR_IDENTITY_MALFORMED' });
    expect(extractBearerToken(headers(`Bearer ${'a'.repeat(101)}`), 100)).toMatchObject({ kind: 'rejected', code: 'ERR_IDENTITY_TOO_LARGE' });
  });

  it('never echoes the token in a rejection message', () => {
    const result = extractBearerToken(headers('Bearer secret-value with-space'), 100);
    expect(JSON.stringify(result)).not.toContain('secret-value');
  });
});
