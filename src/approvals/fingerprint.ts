/**
 * The fingerprint that binds an approval to one exact call: SHA-256 over the RFC 8785 canonical JSON
 * (`canonicalize`: sorted keys, normalised numbers) of the principal, function, server, policy ids and input.
 * So `{"b":1,"a":2.50}` and `{"a":2.5,"b":1}` are the same call. Integers beyond 2^53, which JS numbers
 * would round together, are bound by their exact digits (from the strict parser's number texts).
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { numberTextOf } from '../calls/number-text';
import type { JsonObject, JsonValue } from '../calls/types';
import type { EntityRef } from './types';

export interface CallIdentity {
  readonly principal: EntityRef;
  readonly function: string;
  readonly server: string;
  readonly policyIds: readonly string[];
  readonly input: JsonObject;
}

type Canonical = null | boolean | number | string | Canonical[] | { [key: string]: Canonical };

function exactNumber(value: number, text: string | undefined): Canonical {
  if (text === undefined || !/^-?\d+$/.test(text) || Number.isSafeInteger(value)) return value;
  return { $integer: BigInt(text).toString() };
}

function normalize(value: JsonValue, container: object | undefined, key: string | number): Canonical {
  if (typeof value === 'number') return exactNumber(value, container === undefined ? undefined : numberTextOf(container, key));
  if (Array.isArray(value)) return value.map((item, i) => normalize(item, value, i));
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Canonical } = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalize(v, value, k);
    return out;
  }
  return value;
}

export function computeFingerprint(call: CallIdentity): string {
  const text = canonicalize({
    v: 1,
    principal: [call.principal.type, call.principal.id],
    function: call.function,
    server: call.server,
    policies: [...call.policyIds].sort(),
    input: normalize(call.input, undefined, ''),
  });
  if (text === undefined) throw new Error('call cannot be canonicalized');
  return createHash('sha256').update(text).digest('hex');
}
