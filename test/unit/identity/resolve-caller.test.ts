import { resolveCaller, type IdentityConfig } from '../../../src/identity/resolve-caller';
import type { JsonObject } from '../../../src/calls/types';

const config: IdentityConfig = {
  jwt_authn: { metadata_namespace: 'envoy.filters.http.jwt_authn', payload_key: 'jwt_payload' },
  mtls: { enabled: true, trust_domains: [] },
  mapping: { groups_claim: 'groups', scopes_claim: 'scope', agent_clients: ['copilot'], service_clients: ['billing-job'] },
};

function withPayload(payload: JsonObject, peerPrincipal = '') {
  return { metadata: { 'envoy.filters.http.jwt_authn': { jwt_payload: payload } }, peerPrincipal };
}

function caller(input: Parameters<typeof resolveCaller>[0], cfg = config) {
  const r = resolveCaller(input, cfg);
  if (r.kind !== 'caller') throw new Error(`expected a caller, got: ${r.message}`);
  return r.caller;
}

describe('resolveCaller', () => {
  it('maps an interactive user token to a User in its groups', () => {
    const c = caller(withPayload({ iss: 'https://idp', sub: 'alice', groups: ['payments-team'], scope: 'read write', email: 'a@x.io' }));
    expect(c).toMatchObject({ kind: 'human', interactive: true, authenticated: true, issuer: 'https://idp', scopes: ['read', 'write'] });
    expect(c.principal).toEqual({ uid: { type: 'User', id: 'alice' }, attrs: { email: 'a@x.io' }, parents: [{ type: 'Group', id: 'payments-team' }] });
  });

  it('maps a client-credentials token (sub equals client id) to a Service', () => {
    const c = caller(withPayload({ iss: 'https://idp', sub: 'orders-svc', azp: 'orders-svc', groups: ['backend'] }));
    expect(c.kind).toBe('service');
    expect(c.interactive).toBe(false);
    expect(c.principal.uid).toEqual({ type: 'Service', id: 'orders-svc' });
  });

  it('treats configured service clients as services even with a different sub', () => {
    const c = caller(withPayload({ iss: 'https://idp', sub: 'robot-1', client_id: 'billing-job' }));
    expect(c.principal.uid).toEqual({ type: 'Service', id: 'billing-job' });
  });

  it('recognises the gty client-credentials marker', () => {
    const c = caller(withPayload({ iss: 'https://idp', sub: 'abc@clients', azp: 'abc', gty: 'client-credentials' }));
    expect(c.principal.uid).toEqual({ type: 'Service', id: 'abc' });
  });

  it('maps an RFC 8693 act token to an Agent acting for the user', () => {
    const c = caller(withPayload({ iss: 'https://idp', sub: 'alice', act: { sub: 'research-agent' }, groups: ['eng'] }));
    expect(c.kind).toBe('agent');
    expect(c.principal.uid).toEqual({ type: 'Agent', id: 'research-agent' });
    expect(c.principal.attrs).toEqual({ onBehalfOf: { __entity: { type: 'User', id: 'alice' } } });
    expect(c.relatedEntities).toEqual([{ uid: { type: 'User', id: 'alice' }, attrs: {}, parents: [{ type: 'Group', id: 'eng' }] }]);
  });

  it('treats configured agent clients as agents', () => {
    const c = caller(withPayload({ iss: 'https://idp', sub: 'bob', azp: 'copilot' }));
    expect(c.kind).toBe('agent');
    expect(c.principal.uid).toEqual({ type: 'Agent', id: 'copilot' });
  });

  it('reads groups from a nested claim path', () => {
    const c = caller(withPayload({ iss: 'i', sub: 's', realm_access: { roles: ['r1'] } }), {
      ...config,
      mapping: { ...config.mapping, groups_claim: 'realm_access.roles' },
    });
    expect(c.principal.parents).toEqual([{ type: 'Group', id: 'r1' }]);
  });

  it.each([
    [{ sub: 'x' }, /issuer/],
    [{ iss: 'i', sub: 'x', groups: 'admins' }, undefined],
    [{ iss: 'i', sub: 'x', groups: [1, 2] }, /groups/],
    [{ iss: 'i', sub: 'x', act: 'agent' }, /act/],
    [{ iss: 'i' }, /neither sub nor client id/],
  ])('fails closed on malformed claims %j', (payload, error) => {
    const r = resolveCaller(withPayload(payload as JsonObject), config);
    if (error === undefined) expect(r.kind).toBe('caller');
    else expect(r).toEqual({ kind: 'invalid', message: expect.stringMatching(error) });
  });

  it('uses the mTLS peer principal as a Service when there is no token', () => {
    const c = caller({ metadata: {}, peerPrincipal: 'spiffe://cluster.local/ns/default/sa/orders' });
    expect(c).toMatchObject({ kind: 'service', issuer: 'spiffe://cluster.local', source: 'mtls' });
    expect(c.principal.uid).toEqual({ type: 'Service', id: 'spiffe://cluster.local/ns/default/sa/orders' });
  });

  it('rejects peers from untrusted SPIFFE trust domains', () => {
    const cfg = { ...config, mtls: { enabled: true, trust_domains: ['prod.example'] } };
    expect(resolveCaller({ metadata: {}, peerPrincipal: 'spiffe://evil.example/x' }, cfg).kind).toBe('invalid');
    expect(resolveCaller({ metadata: {}, peerPrincipal: 'CN=legacy' }, cfg).kind).toBe('invalid');
    expect(caller({ metadata: {}, peerPrincipal: 'spiffe://prod.example/x' }, cfg).kind).toBe('service');
  });

  it('prefers the token over the peer certificate, and is anonymous with neither', () => {
    expect(caller(withPayload({ iss: 'i', sub: 'alice' }, 'spiffe://td/x')).kind).toBe('human');
    const anon = caller({ metadata: {}, peerPrincipal: '' });
    expect(anon).toMatchObject({ kind: 'anonymous', authenticated: false, principal: { uid: { type: 'Anonymous', id: 'anonymous' } } });
    expect(caller({ metadata: {}, peerPrincipal: 'spiffe://td/x' }, { ...config, mtls: { enabled: false, trust_domains: [] } }).kind).toBe('anonymous');
  });

  it('rejects a jwt_authn payload that is not an object', () => {
    expect(resolveCaller({ metadata: { 'envoy.filters.http.jwt_authn': { jwt_payload: 'x' } }, peerPrincipal: '' }, config).kind).toBe('invalid');
  });
});
