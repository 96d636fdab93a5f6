/**
 * The fingerprint that binds an approval to one exact call: SHA-256 over the RFC 8785 canonical JSON of the
 * principal, function, server, policy ids and input. The input appears twice: as canonical JSON (sorted
 * keys, normalised numbers, so `{"b":1,"a":2.50}` and `{"a":2.5,"b":1}` match) and as the exact Cedar value
 * policy evaluation saw (so integers beyond 2^53, which JSON numbers would round together, stay distinct).
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { JsonObject } from '../calls/types';
import type { EntityRef } from './types';

export interface CallIdentity {
  readonly principal: EntityRef;
  readonly function: string;
  readonly server: string;
  readonly policyIds: readonly string[];
  readonly input: JsonObject;
  readonly cedarInput: Readonly<Record<string, CedarValueJson>>;
}

export function computeFingerprint(call: CallIdentity): string {
  const text = canonicalize({
    v: 1,
    principal: [call.principal.type, call.principal.id],
    function: call.function,
    server: call.server,
    policies: [...call.policyIds].sort(),
    input: call.input,
    cedar: call.cedarInput,
  });
  if (text === undefined) throw new Error('call cannot be canonicalized');
  return createHash('sha256').update(text).digest('hex');
}
