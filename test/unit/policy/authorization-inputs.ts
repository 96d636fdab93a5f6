/** Builders for AuthorizationInput values in policy tests (the context shape callgate passes at runtime). */
import type { CedarValueJson, EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { AuthorizationInput } from '../../../src/policy/types';

export type Kind = 'human' | 'service' | 'agent' | 'anonymous';

export function principal(type: 'User' | 'Service' | 'Agent' | 'Anonymous', id: string, groups: string[] = [], attrs: Record<string, CedarValueJson> = {}): EntityJson {
  return { uid: { type, id }, attrs, parents: groups.map((g) => ({ type: 'Group', id: g })) };
}

export function decimal(text: string): CedarValueJson {
  return { __extn: { fn: 'decimal', arg: text } };
}

export function context(input: Record<string, CedarValueJson>, caller: { kind: Kind; interactive?: boolean; authenticated?: boolean }, approved = false): Record<string, CedarValueJson> {
  return {
    input,
    caller: {
      kind: caller.kind,
      interactive: caller.interactive ?? caller.kind === 'human',
      authenticated: caller.authenticated ?? caller.kind !== 'anonymous',
      issuer: 'https://idp.example.com',
      scopes: [],
    },
    request: { method: 'POST', path: '/functions/x', host: 'api.example.com', protocol: 'http', id: 'req-1', sourceIp: { __extn: { fn: 'ip', arg: '10.0.0.1' } } },
    approval: approved ? { granted: true, approver: 'carol', id: 'ap-1' } : { granted: false },
    time: { epochSeconds: 1_700_000_000, hourUtc: 22, weekdayUtc: 2 },
  };
}

export function input(p: EntityJson, action: string, resource: string, ctx: Record<string, CedarValueJson>, requestEntities: EntityJson[] = []): AuthorizationInput {
  return { principal: p, requestEntities, action, resource, context: ctx };
}
