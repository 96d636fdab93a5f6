/**
 * The built-in detectors (names from obligations/detectors.ts) and custom ones from config. Each is a
 * regular expression plus, where the format has one, a checksum (Luhn for cards, mod-97 for IBANs) so that
 * look-alikes are left alone. Patterns are linear: bounded repetitions only, no nested quantifiers.
 */
import type { DetectorName } from '../obligations/detectors';
import { isCardNumber } from './luhn';
import { isValidIban } from './iban';
import type { Detector, Span } from './types';

/** The shared answer of a detector that found nothing (never mutated by callers). */
const NO_SPANS: Span[] = [];

function findAll(name: string, global: RegExp, text: string, accept: (m: string) => boolean): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(global)) {
    if (m[0].length > 0 && accept(m[0])) spans.push({ start: m.index, end: m.index + m[0].length, detector: name });
  }
  return spans;
}

/**
 * A regex detector. `mayContain` is a cheap necessary condition (a fixed substring or character class)
 * checked first, so the full pattern only runs on texts that could match.
 */
function regexDetector(name: string, re: RegExp, maxLength: number, accept: (m: string) => boolean = () => true, mayContain?: RegExp, minLength = 1): Detector {
  const global = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  const find = (text: string): Span[] => (text.length < minLength || (mayContain !== undefined && !mayContain.test(text)) ? NO_SPANS : findAll(name, global, text, accept));
  return { name, maxLength, find };
}


const TWELVE_DIGITS = /(?:\d\D{0,1}){12}/;

/** Digit runs with single spaces or dashes between digits. */
const DIGIT_RUN = /(?<!\d)\d(?:[ -]?\d){11,40}(?!\d)/g;

/**
 * Card numbers: inside each digit run, windows that begin at the run start or after a separator and end at
 * the run end or before a separator; the leftmost-longest window of 13–19 digits passing Luhn wins.
 */
function findCards(text: string): Span[] {
  if (text.length < 13 || !TWELVE_DIGITS.test(text)) return NO_SPANS;
  const spans: Span[] = [];
  for (const m of text.matchAll(DIGIT_RUN)) {
    const run = m[0];
    const starts = [0];
    const ends: number[] = [];
    for (let i = 0; i < run.length; i += 1) {
      if (run[i] === ' ' || run[i] === '-') {
        starts.push(i + 1);
        ends.push(i);
      }
    }
    ends.push(run.length);
    let from = 0;
    for (const s of starts) {
      if (s < from) continue;
      for (let k = ends.length - 1; k >= 0; k -= 1) {
        const e = ends[k] ?? 0;
        if (e <= s) break;
        if (isCardNumber(run.slice(s, e).replace(/[ -]/g, ''))) {
          spans.push({ start: m.index + s, end: m.index + e, detector: 'pan' });
          from = e;
          break;
        }
      }
    }
  }
  return spans;
}

const BUILT_IN: Record<DetectorName, Detector> = {
  pan: { name: 'pan', maxLength: 41, find: findCards },
  email: regexDetector('email', /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/, 320, undefined, /@/, 6),
  ssn: regexDetector('ssn', /(?<![\d-])(?!000|666|9\d\d)\d{3}[- ](?!00)\d{2}[- ](?!0000)\d{4}(?![\d-])/, 11, undefined, /\d{3}[- ]\d{2}[- ]\d{4}/, 11),
  iban: regexDetector('iban', /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])/, 42, isValidIban, /[A-Z]{2}\d{2}/, 15),
  phone: regexDetector(
    'phone',
    /(?<![\w+.-]|\d[ .-])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)|\d{1,4})(?:[ .-]?\d{2,4}){2,4}|\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4})(?![\w]|[ .-]\d)/,
    24,
    (m) => {
      const digits = m.replace(/\D/g, '').length;
      return digits >= 10 && digits <= 15;
    },
    /\d{3}[ .)-]{1,2}\d{3}|\+\d/,
    10,
  ),
  jwt: regexDetector('jwt', /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{0,1024}/, 8192, undefined, /eyJ/),
  aws_key: regexDetector(
    'aws_key',
    /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Z0-9])|(?<=aws_?secret_?access_?key["']?\s{0,3}[:=]\s{0,3}["']?)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/i,
    40,
    undefined,
    /A[BCGIKNRS][A-Z]{2}[A-Z0-9]{16}|aws_?secret/i,
  ),
  private_key: regexDetector('private_key', /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----[\s\S]{0,16384}?-----END [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----/, 16500, undefined, /-----BEGIN /),
  api_token: regexDetector(
    'api_token',
    /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}|xox[abprs]-[A-Za-z0-9-]{10,200}|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,247}|AIza[0-9A-Za-z_-]{35}|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{32,200}|glpat-[A-Za-z0-9_-]{20,64}|npm_[A-Za-z0-9]{36})(?![A-Za-z0-9_])/,
    256,
    undefined,
    /gh[pousr]_|github_pat_|xox[abprs]-|_(?:live|test)_|AIza|sk-|glpat-|npm_/,
  ),
};

export function builtInDetector(name: DetectorName): Detector {
  return BUILT_IN[name];
}

/** A custom detector from config: a name and an ECMAScript pattern (validated at config load). */
export interface CustomDetectorConfig {
  readonly name: string;
  readonly pattern: string;
  readonly max_length?: number;
}

export function buildCustomDetector(config: CustomDetectorConfig): Detector {
  return regexDetector(config.name, new RegExp(config.pattern, 'u'), config.max_length ?? 256);
}

/** The detectors of a plan: the named built-ins (unknown names are errors upstream) plus every custom one. */
export type DetectorSelection =
  | { readonly kind: 'selected'; readonly detectors: readonly Detector[] }
  | { readonly kind: 'unknown'; readonly name: string };

export function selectDetectors(names: readonly string[], custom: readonly Detector[]): DetectorSelection {
  const picked: Detector[] = [];
  for (const name of names) {
    const d = (BUILT_IN as Record<string, Detector | undefined>)[name];
    if (d === undefined) return { kind: 'unknown', name };
    picked.push(d);
  }
  return { kind: 'selected', detectors: names.length > 0 ? [...picked, ...custom] : picked };
}
