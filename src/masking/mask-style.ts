/**
 * How a detected value is replaced. `full`: `[REDACTED:<detector>]`. `partial`: every letter and digit but
 * the last four becomes `*`, separators stay (cards, phones, IBANs, SSNs; other detectors fall back to
 * full). `token`: `[<detector>:<hmac>]`, HMAC-SHA256 under the configured key over the detector name and the
 * value without separators, so the same input always gives the same pseudonym and the key never leaves.
 */
import { createHmac } from 'node:crypto';
import type { MaskStyle } from './types';

const PARTIAL_DETECTORS = new Set(['pan', 'phone', 'iban', 'ssn']);

function keepLastFour(value: string): string {
  let keep = 4;
  const out: string[] = [];
  for (let i = value.length - 1; i >= 0; i -= 1) {
    const ch = value[i] ?? '';
    if (/[A-Za-z0-9]/.test(ch)) {
      out.push(keep > 0 ? ch : '*');
      keep -= 1;
    } else out.push(ch);
  }
  return out.reverse().join('');
}

export function renderMask(style: MaskStyle, detector: string, value: string): string {
  switch (style.kind) {
    case 'full':
      return `[REDACTED:${detector}]`;
    case 'partial':
      return PARTIAL_DETECTORS.has(detector) && value.replace(/[^A-Za-z0-9]/g, '').length > 8 ? keepLastFour(value) : `[REDACTED:${detector}]`;
    case 'token': {
      const normalized = PARTIAL_DETECTORS.has(detector) ? value.replace(/[^A-Za-z0-9]/g, '').toUpperCase() : value;
      const mac = createHmac('sha256', style.key).update(`${detector}\0${normalized}`).digest('base64url').slice(0, 22);
      return `[${detector}:${mac}]`;
    }
    default:
      return assertNever(style);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected mask style ${JSON.stringify(value)}`);
}
