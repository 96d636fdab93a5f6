import { loadConfig } from '../../../src/config/load-config';

const load = (issuers: unknown) => () => loadConfig({ flags: { 'identity.issuers': JSON.stringify(issuers) } });

describe('identity.issuers config', () => {
  it('needs only an issuer URL and an audience; safe defaults fill the rest', () => {
    const config = load([{ issuer: 'https://idp.example.com', audiences: ['https://api.example.com'] }])();
    expect(config.identity.issuers).toEqual([
      { issuer: 'https://idp.example.com', audiences: ['https://api.example.com'], algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'], clock_skew_seconds: 30 },
    ]);
  });

  it('refuses none, HMAC algorithms, a missing audience and duplicate issuers', () => {
    expect(load([{ issuer: 'https://idp.example.com', audiences: ['a'], algorithms: ['none'] }])).toThrow();
    expect(load([{ issuer: 'https://idp.example.com', audiences: ['a'], algorithms: ['HS256'] }])).toThrow();
    expect(load([{ issuer: 'https://idp.example.com', audiences: [] }])).toThrow();
    expect(load([{ issuer: 'https://idp.example.com' }])).toThrow();
    expect(load([{ issuer: 'https://idp.example.com', audiences: ['a'] }, { issuer: 'https://idp.example.com', audiences: ['b'] }])).toThrow();
    expect(load([{ issuer: 'https://idp.example.com', audiences: ['a'], clock_skew_seconds: 3600 }])).toThrow();
  });
});
