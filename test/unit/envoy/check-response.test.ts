import { APPEND_IF_EXISTS_OR_ADD, buildAllowResponse, buildDenyResponse, OVERWRITE_IF_EXISTS_OR_ADD } from '../../../src/envoy/check-response';
import { structToJson } from '../../../src/envoy/struct';
import type { AllowOutcome, DenyOutcome } from '../../../src/authz/outcome';
import type { Struct__Output } from '../../../src/generated/google/protobuf/Struct';
import type { Caller } from '../../../src/identity/types';

const caller = {
  kind: 'human', interactive: true, authenticated: true, issuer: 'i', scopes: [], source: 'jwt_authn', relatedEntities: [],
  principal: { uid: { type: 'User', id: 'alice' }, attrs: {}, parents: [] },
} as Caller;

const allow: AllowOutcome = {
  kind: 'allow', decisionId: 'd-1', requestId: 'r-1', caller, server: 'payments', protocol: 'http', bundleRevision: 'rev1',
  calls: [{ protocol: 'http', function: 'payments.get', server: 'payments', args: {} }],
  decidingPolicies: ['p1'], obligations: { mask: ['pan'], maskFields: ['$.card'], redactArgs: ['password'] },
};

const deny: DenyOutcome = {
  kind: 'deny', decisionId: 'd-2', requestId: 'r-2', caller, server: 'payments', protocol: 'http', calls: [], decidingPolicies: ['no-refunds'],
  code: 'ERR_POLICY_DENIED', reason: 'refunds are frozen', errors: [],
};

function meta(s: unknown) {
  return structToJson(s as Struct__Output);
}

describe('buildAllowResponse', () => {
  it('allows with an explicit OK status, overwriting headers with explicit append semantics', () => {
    const r = buildAllowResponse(allow, [':path', 'x-callgate-decision-id', 'x-callgate-admin', 'authorization']);
    expect(r.status).toEqual({ code: 0 });
    expect(r.ok_response?.headers).toEqual([
      { header: { key: 'x-callgate-decision-id', value: 'd-1' }, append: { value: false }, append_action: OVERWRITE_IF_EXISTS_OR_ADD },
      { header: { key: 'x-callgate-principal', value: 'User::"alice"' }, append: { value: false }, append_action: OVERWRITE_IF_EXISTS_OR_ADD },
    ]);
    // caller-supplied x-callgate-* removed, but never the ones callgate sets (removal runs after setting)
    expect(r.ok_response?.headers_to_remove).toEqual(['x-callgate-admin']);
  });

  it('puts decision id, principal, function and obligations in dynamic metadata', () => {
    const r = buildAllowResponse(allow, []);
    expect(meta(r.dynamic_metadata)).toMatchObject({
      decision_id: 'd-1', decision: 'allow', principal: 'User::"alice"', function: 'payments.get', server: 'payments', policy_revision: 'rev1',
      obligations: { mask: ['pan'], mask_fields: ['$.card'], redact_args: ['password'] },
    });
  });
});

describe('buildDenyResponse', () => {
  it('denies with a non-OK status, 403 and a JSON body carrying the policy reason', () => {
    const r = buildDenyResponse(deny);
    expect(r.status?.code).toBe(7);
    expect(r.denied_response?.status).toEqual({ code: 403 });
    expect(JSON.parse(r.denied_response?.body ?? '')).toEqual({ error: 'forbidden', reason: 'refunds are frozen', code: 'ERR_POLICY_DENIED', decision_id: 'd-2' });
    expect(r.denied_response?.headers).toContainEqual(expect.objectContaining({ header: { key: 'content-type', value: 'application/json' } }));
    expect(meta(r.dynamic_metadata)).toMatchObject({ decision: 'deny', reason: 'ERR_POLICY_DENIED' });
  });

  it('answers 401 with WWW-Authenticate when authentication is required', () => {
    const r = buildDenyResponse({ ...deny, code: 'ERR_POLICY_UNAUTHENTICATED', reason: 'authentication required' });
    expect(r.status?.code).toBe(16);
    expect(r.denied_response?.status).toEqual({ code: 401 });
    expect(r.denied_response?.headers).toContainEqual({ header: { key: 'www-authenticate', value: 'Bearer realm="callgate"' }, append: { value: true }, append_action: APPEND_IF_EXISTS_OR_ADD });
    expect(JSON.parse(r.denied_response?.body ?? '').error).toBe('unauthenticated');
  });

  it('wraps MCP denials in a JSON-RPC error envelope with the request id', () => {
    const r = buildDenyResponse({ ...deny, protocol: 'mcp', jsonRpcIds: [7] });
    const body = JSON.parse(r.denied_response?.body ?? '');
    expect(body).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32003, message: 'refunds are frozen', data: { decision_id: 'd-2' } } });
  });

  it('answers every request of a denied batch', () => {
    const r = buildDenyResponse({ ...deny, protocol: 'mcp', jsonRpcIds: [1, 'b'] });
    const body = JSON.parse(r.denied_response?.body ?? '');
    expect(body.map((e: { id: unknown }) => e.id)).toEqual([1, 'b']);
  });

  it('keeps the parser-chosen JSON-RPC code and uses a null id when none could be read', () => {
    const r = buildDenyResponse({ ...deny, code: 'ERR_CALL_INVALID_JSON', reason: 'bad', protocol: 'mcp', jsonRpcCode: -32700 });
    expect(JSON.parse(r.denied_response?.body ?? '')).toMatchObject({ id: null, error: { code: -32700 } });
    expect(r.denied_response?.status).toEqual({ code: 400 });
  });

  it('maps 503 failures to a denial, never to an OK status', () => {
    const r = buildDenyResponse({ ...deny, code: 'ERR_INTERNAL', reason: 'internal error' });
    expect(r.status?.code).not.toBe(0);
    expect(r.denied_response?.status).toEqual({ code: 503 });
  });
});
