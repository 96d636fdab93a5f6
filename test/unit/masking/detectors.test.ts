import fc from 'fast-check';
import { KNOWN_DETECTORS } from '../../../src/obligations/detectors';
import { builtInDetector, buildCustomDetector, selectDetectors } from '../../../src/masking/detectors';
import { maskText } from '../../../src/masking/mask-text';
import type { MaskCounts, MaskStyle } from '../../../src/masking/types';
import { passesLuhn } from '../../../src/masking/luhn';
import { isValidIban } from '../../../src/masking/iban';

const ALL = KNOWN_DETECTORS.map(builtInDetector);
const FULL: MaskStyle = { kind: 'full' };
const PARTIAL: MaskStyle = { kind: 'partial' };
const TOKEN: MaskStyle = { kind: 'token', key: Buffer.from('test-key-0123456789') };

function mask(text: string, style: MaskStyle = FULL): { out: string; counts: MaskCounts } {
  const counts: MaskCounts = {};
  return { out: maskText(text, ALL, style, counts), counts };
}

/** Appends the Luhn check digit to a digit string. */
function withLuhnDigit(body: string): string {
  for (let d = 0; d <= 9; d += 1) if (passesLuhn(body + String(d))) return body + String(d);
  throw new Error('unreachable');
}

const cardArb = fc
  .tuple(fc.constantFrom('4', '51', '37', '6011', '35'), fc.integer({ min: 13, max: 19 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 19, maxLength: 19 }))
  .map(([prefix, len, digits]) => withLuhnDigit((prefix + digits.join('')).slice(0, len - 1)));

function formatCard(digits: string, sep: string): string {
  return sep === '' ? digits : (digits.match(/.{1,4}/g) ?? []).join(sep);
}

describe('detectors', () => {
  it.each([
    ['pan', 'card 4111 1111 1111 1111 ok', 'card [REDACTED:pan] ok'],
    ['pan dashes', 'card 5555-5555-5555-4444.', 'card [REDACTED:pan].'],
    ['email', 'mail ana.lee+x@example.co.uk now', 'mail [REDACTED:email] now'],
    ['ssn', 'ssn 123-45-6789', 'ssn [REDACTED:ssn]'],
    ['iban', 'iban GB82 WEST 1234 5698 7654 32 end', 'iban [REDACTED:iban] end'],
    ['phone', 'call +1 415 555 0132 now', 'call [REDACTED:phone] now'],
    ['jwt', 'tok eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl x', 'tok [REDACTED:jwt] x'],
    ['aws', 'key AKIAIOSFODNN7EXAMPLE x', 'key [REDACTED:aws_key] x'],
    ['aws secret', 'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_access_key=[REDACTED:aws_key]'],
    ['private key', 'k -----BEGIN RSA PRIVATE KEY-----\nMIIB\nabc\n-----END RSA PRIVATE KEY----- x', 'k [REDACTED:private_key] x'],
    ['github', 'ghp_0123456789abcdefghijABCDEFGHIJ012345', '[REDACTED:api_token]'],
    ['stripe', 'sk_live_0123456789abcdefABCD', '[REDACTED:api_token]'],
  ])('masks %s', (_name, input, expected) => {
    expect(mask(input).out).toBe(expected);
  });

  it.each([
    ['a non-Luhn 16-digit number', 'order 4111 1111 1111 1112'],
    ['a short number', 'qty 12345'],
    ['an IBAN with a bad checksum', 'GB82 WEST 1234 5698 7654 33'],
    ['a date', '2026-11-25'],
    ['an SSN in a reserved range', '666-12-3456'],
  ])('leaves %s alone', (_name, input) => {
    expect(mask(input).out).toBe(input);
  });

  it('finds the card inside a longer digit run split at separators', () => {
    expect(mask('ref 12 4111 1111 1111 1111 2024').out).toBe('ref 12 [REDACTED:pan] 2024');
  });

  it('counts masked values by detector', () => {
    expect(mask('a@b.io 4111111111111111 c@d.io').counts).toEqual({ email: 2, pan: 1 });
  });

  it('partial style keeps the last four digits and separators', () => {
    expect(mask('4111 1111 1111 1111', PARTIAL).out).toBe('**** **** **** 1111');
    expect(mask('a@b.io', PARTIAL).out).toBe('[REDACTED:email]');
  });

  it('token style: same input → same pseudonym whatever the separators; different key → different', () => {
    const a = mask('4111 1111 1111 1111', TOKEN).out;
    expect(a).toMatch(/^\[pan:[A-Za-z0-9_-]{22}\]$/);
    expect(mask('4111-1111-1111-1111', TOKEN).out).toBe(a);
    expect(mask('4111 1111 1111 1111', { kind: 'token', key: Buffer.from('other') }).out).not.toBe(a);
    expect(mask('5555 5555 5555 4444', TOKEN).out).not.toBe(a);
  });

  it('custom detectors from config run beside the named ones', () => {
    const custom = buildCustomDetector({ name: 'employee_id', pattern: 'EMP-\\d{6}' });
    const sel = selectDetectors(['email'], [custom]);
    expect(sel.kind).toBe('selected');
    if (sel.kind !== 'selected') return;
    expect(maskText('EMP-123456 x@y.io', sel.detectors, FULL, {})).toBe('[REDACTED:employee_id] [REDACTED:email]');
    expect(selectDetectors(['nope'], [])).toEqual({ kind: 'unknown', name: 'nope' });
  });

  it('mod-97 and Luhn', () => {
    expect(isValidIban('DE89370400440532013000')).toBe(true);
    expect(isValidIban('DE89370400440532013001')).toBe(false);
    expect(passesLuhn('79927398713')).toBe(true);
  });
});

describe('detector properties', () => {
  const boundary = fc.constantFrom(' ', '\n', ':', '"', '. x', ' (', '');
  const filler = fc.string({ maxLength: 30 }).map((s) => `${s} `);

  it('never throws on arbitrary text, in every style', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.constantFrom(FULL, PARTIAL, TOKEN), (text, style) => {
        expect(typeof mask(text, style).out).toBe('string');
      }),
    );
  });

  it('a generated card number never survives, with spaces, dashes or neither', () => {
    fc.assert(
      fc.property(filler, cardArb, fc.constantFrom('', ' ', '-'), boundary, fc.constantFrom(FULL, PARTIAL, TOKEN), (pre, card, sep, post, style) => {
        const out = mask(`${pre}${formatCard(card, sep)}${post}`, style).out;
        expect(out.replace(/[ -]/g, '')).not.toContain(card);
      }),
    );
  });

  const secrets: Record<string, fc.Arbitrary<string>> = {
    email: fc.tuple(fc.stringMatching(/^[a-z0-9._]{1,20}$/), fc.stringMatching(/^[a-z0-9]{1,20}$/), fc.constantFrom('com', 'io', 'co.uk')).map(([u, d, t]) => `${u}@${d}.${t}`),
    ssn: fc.tuple(fc.integer({ min: 1, max: 665 }), fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 9999 })).map(
      ([a, b, c]) => `${String(a).padStart(3, '0')}-${String(b).padStart(2, '0')}-${String(c).padStart(4, '0')}`,
    ),
    aws_key: fc.stringMatching(/^[A-Z0-9]{16}$/).map((s) => `AKIA${s}`),
    jwt: fc.tuple(fc.base64String({ minLength: 8, maxLength: 40 }), fc.base64String({ minLength: 4, maxLength: 40 }), fc.base64String({ maxLength: 40 })).map(
      ([h, p, s]) => `eyJ${h.replace(/[+/=]/g, 'a')}.eyJ${p.replace(/[+/=]/g, 'b')}.${s.replace(/[+/=]/g, 'c')}`,
    ),
    api_token: fc.stringMatching(/^[A-Za-z0-9]{36}$/).map((s) => `ghp_${s}`),
    private_key: fc.base64String({ maxLength: 200 }).map((b) => `-----BEGIN PRIVATE KEY-----\n${b}\n-----END PRIVATE KEY-----`),
  };

  it.each(Object.keys(secrets))('a generated %s never survives', (name) => {
    const arb = secrets[name];
    if (arb === undefined) throw new Error(name);
    fc.assert(
      fc.property(filler, arb, boundary, fc.constantFrom(FULL, TOKEN), (pre, secret, post, style) => {
        expect(mask(`${pre}${secret}${post}`, style).out).not.toContain(secret);
      }),
    );
  });
});
