/**
 * The Check codec against proto-loader's (the path it replaces): responses encode to the same bytes and
 * decode with Envoy's protos to the same messages, for every response shape; requests decoded once by
 * protobufjs map to exactly what proto-loader's fully converted request maps to.
 */
import { createCheckCodec } from '../../../src/transport/grpc/check-codec';
import { loadAuthProto } from '../../../src/envoy/protos';
import { buildAllowResponse, buildDenyResponse } from '../../../src/envoy/check-response';
import { mapCheckRequest } from '../../../src/envoy/check-request';
import { failureOutcome } from '../../../src/authz/check';
import type { AllowOutcome, DenyOutcome } from '../../../src/authz/outcome';
import type { Caller } from '../../../src/identity/types';
import type { CheckRequest } from '../../../src/generated/envoy/service/auth/v3/CheckRequest';
import type { CheckResponse } from '../../../src/generated/envoy/service/auth/v3/CheckResponse';

const legacy = loadAuthProto().envoy.service.auth.v3.Authorization.service.Check;
const codec = createCheckCodec();

const caller = {
  kind: 'agent', interactive: false, authenticated: true, issuer: 'https://idp', scopes: ['tools'], source: 'jwt_authn', relatedEntities: [],
  principal: { uid: { type: 'Agent', id: 'triage "bot"' }, attrs: {}, parents: [] },
} as Caller;
const approval = { group: 'Group::"oncall"', policyIds: ['needs-approval'], id: 'ap-1', approveUrl: 'https://cg.example.com/approvals/ap-1', expiresAt: '2026-03-01T10:15:00.000Z', status: 'pending' };
const mcpCall = (version: string) => ({ protocol: 'mcp' as const, function: 'delete_repo', server: 'tools', args: { repo: 'core' }, jsonRpcId: 9, mcpProtocolVersion: version });

const allow: AllowOutcome = {
  kind: 'allow', decisionId: 'd-1', requestId: 'r-1', caller, server: 'tools', protocol: 'mcp', bundleRevision: 'rev1',
  calls: [mcpCall('2025-06-18')], decidingPolicies: ['p1', 'p2'],
  obligations: { mask: ['pan', 'email'], maskFields: ['$.card'], redactArgs: ['password'] },
};
const deny: DenyOutcome = {
  kind: 'deny', decisionId: 'd-2', requestId: 'r-2', caller, server: 'payments', protocol: 'http', calls: [], decidingPolicies: ['no-refunds'],
  code: 'ERR_POLICY_DENIED', reason: 'refunds are frozen ✓', errors: [],
};

const responses: [string, CheckResponse][] = [
  ['allow with headers, removals and obligations', buildAllowResponse(allow, [':path', 'x-callgate-decision-id', 'x-callgate-admin', 'authorization'])],
  ['allow for tools/list with visible tools and consumed approvals', buildAllowResponse({ ...allow, visibleTools: ['a', 'b'], approvals: [{ id: 'ap-1', approver: 'User::"carol"' }] }, [])],
  ['allow of an anonymous caller (no principal header)', buildAllowResponse({ ...allow, caller: undefined, calls: [] }, ['x-callgate-principal'])],
  ['deny 403 with a JSON body', buildDenyResponse(deny)],
  ['deny 401 with WWW-Authenticate', buildDenyResponse({ ...deny, code: 'ERR_IDENTITY_INVALID', reason: 'invalid token', resourceMetadataUrl: 'https://cg/.well-known/oauth-protected-resource' })],
  ['deny of an MCP batch', buildDenyResponse({ ...deny, protocol: 'mcp', jsonRpcIds: [1, 'b', null] })],
  ['503 overload', buildDenyResponse(failureOutcome('d-3', 'ERR_SERVICE_OVERLOADED', 'too many checks in flight'))],
  ['approval required, HTTP', buildDenyResponse({ ...deny, code: 'ERR_APPROVAL_REQUIRED', reason: 'needs approval', approval })],
  ['approval required, MCP 2025-06-18 (isError result)', buildDenyResponse({ ...deny, protocol: 'mcp', calls: [mcpCall('2025-06-18')], jsonRpcIds: [9], code: 'ERR_APPROVAL_REQUIRED', reason: 'needs approval', approval })],
  ['approval required, MCP 2025-11-25 (-32042)', buildDenyResponse({ ...deny, protocol: 'mcp', calls: [mcpCall('2025-11-25')], jsonRpcIds: [9], code: 'ERR_APPROVAL_REQUIRED', reason: 'needs approval', approval })],
];

/** The response as the previous builder made it: enums by name (proto-loader's fromObject mapped them). */
function withEnumNames(value: unknown, key = ''): unknown {
  if (key === 'append_action') return (['APPEND_IF_EXISTS_OR_ADD', 'ADD_IF_ABSENT', 'OVERWRITE_IF_EXISTS_OR_ADD', 'OVERWRITE_IF_EXISTS'] as const)[value as number];
  if (key === 'nullValue') return 'NULL_VALUE';
  if (Array.isArray(value)) return value.map((v) => withEnumNames(v));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withEnumNames(v, k)]));
}

describe('CheckResponse encoding', () => {
  it.each(responses)('%s: the same bytes as proto-loader gave for the previous builder, and the same message decoded', (_name, response) => {
    const bytes = codec.encodeResponse(response);
    const old = legacy.responseSerialize(withEnumNames(response) as CheckResponse);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(bytes.equals(old)).toBe(true);
    expect(legacy.responseDeserialize(bytes)).toEqual(legacy.responseDeserialize(old));
  });

  it('decodes with explicit status, header append semantics and metadata', () => {
    const decoded = legacy.responseDeserialize(codec.encodeResponse(responses[0]?.[1] as CheckResponse));
    expect(decoded.status).toMatchObject({ code: 0 });
    expect(decoded.ok_response?.headers.map((h) => [h.header?.key, h.append?.value, h.append_action])).toEqual([
      ['x-callgate-decision-id', false, 'OVERWRITE_IF_EXISTS_OR_ADD'],
      ['x-callgate-principal', false, 'OVERWRITE_IF_EXISTS_OR_ADD'],
    ]);
    const denied = legacy.responseDeserialize(codec.encodeResponse(responses[4]?.[1] as CheckResponse));
    expect(denied.status?.code).toBe(16);
    expect(denied.denied_response?.status?.code).toBe('Unauthorized');
    expect(denied.denied_response?.headers.find((h) => h.header?.key === 'www-authenticate')?.append_action).toBe('APPEND_IF_EXISTS_OR_ADD');
  });
});

function struct(json: Record<string, unknown>): unknown {
  const value = (v: unknown): unknown => {
    if (v === null) return { nullValue: 'NULL_VALUE' };
    if (typeof v === 'string') return { stringValue: v };
    if (typeof v === 'number') return { numberValue: v };
    if (typeof v === 'boolean') return { boolValue: v };
    if (Array.isArray(v)) return { listValue: { values: v.map(value) } };
    return { structValue: struct(v as Record<string, unknown>) };
  };
  return { fields: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, value(v)])) };
}

const body = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":{"a":1}}}');
const jwt = { iss: 'https://idp', sub: 'alice', aud: ['callgate'], groups: ['eng', ''], n: 0, f: false, t: true, none: null, nested: { deep: [1, 'x', { k: '' }, []] }, empty: {}, s: '' };
const requests: [string, CheckRequest][] = [
  ['an MCP call with headers, raw body, jwt_authn metadata and context extensions', {
    attributes: {
      source: { address: { socket_address: { address: '10.1.2.3', port_value: 5555 } }, principal: 'spiffe://cluster/ns/a/sa/b' },
      destination: { address: { socket_address: { address: '10.0.0.1', port_value: 8443 } } },
      request: { time: { seconds: 1700000000, nanos: 5 }, http: {
        id: '13519049518330544501', method: 'POST', path: '/mcp', host: 'tools.local', scheme: 'https', size: body.length, protocol: 'HTTP/1.1', raw_body: body,
        headers: { ':method': 'POST', ':path': '/mcp', 'content-type': 'application/json', 'content-length': String(body.length), 'x-request-id': 'req-1', 'x-callgate-admin': '1' },
      } },
      context_extensions: { protocol: 'mcp', server: 'tools' },
      metadata_context: { filter_metadata: { 'envoy.filters.http.jwt_authn': struct({ jwt_payload: jwt }) as never, other: struct({}) as never } },
    },
  }],
  ['encode_raw_headers: header_map with raw values and duplicates', {
    attributes: { request: { http: { id: '7', method: 'GET', path: '/functions/x?q=1', host: 'h', header_map: { headers: [
      { key: ':method', raw_value: Buffer.from('GET') }, { key: 'X-Dup', raw_value: Buffer.from('a') }, { key: 'x-dup', raw_value: Buffer.from('b') }, { key: 'x-value-only', value: 'v' }, { key: 'x-empty' },
    ] } } } },
  }],
  ['a UTF-8-sanitized body (refused)', { attributes: { request: { http: { method: 'POST', path: '/f', headers: { 'content-length': '2' }, body: '{}' } } } }],
  ['a partial body', { attributes: { request: { http: { method: 'POST', path: '/f', headers: { 'content-length': '99', 'x-envoy-auth-partial-body': 'true' }, raw_body: Buffer.from('{"a"') } } } }],
  ['no HTTP request', { attributes: { source: { address: { socket_address: { address: '::1' } } } } }],
  ['an empty message', {}],
];

describe('CheckRequest decoding', () => {
  it.each(requests)('%s: maps exactly as the fully converted request does', (_name, request) => {
    const bytes = legacy.requestSerialize(request);
    const lean = mapCheckRequest(codec.decodeRequest(bytes));
    const full = mapCheckRequest(legacy.requestDeserialize(bytes));
    expect(lean).toEqual(full);
  });

  it('reads every kind of Struct value from the decoded metadata (not the prototype defaults)', () => {
    const m = mapCheckRequest(codec.decodeRequest(legacy.requestSerialize(requests[0]?.[1] as CheckRequest)));
    if (m.kind !== 'mapped') throw new Error(m.message);
    expect(m.identity.metadata['envoy.filters.http.jwt_authn']).toEqual({ jwt_payload: jwt });
    expect(m.identity.peerPrincipal).toBe('spiffe://cluster/ns/a/sa/b');
    expect([...m.view.headers.keys()]).toContain('x-callgate-admin');
  });
});
