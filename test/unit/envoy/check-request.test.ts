import { mapCheckRequest } from '../../../src/envoy/check-request';
import type { CheckRequest__Output } from '../../../src/generated/envoy/service/auth/v3/CheckRequest';

type Http = NonNullable<NonNullable<NonNullable<CheckRequest__Output['attributes']>['request']>['http']>;

function request(http: Partial<Http>, extra: Record<string, unknown> = {}): CheckRequest__Output {
  const h: Http = {
    id: '13519049518330544501', method: 'POST', headers: {}, header_map: null, path: '/functions/payments.refund', host: 'api.local',
    scheme: 'http', query: '', fragment: '', size: '0', protocol: 'HTTP/1.1', body: '', raw_body: Buffer.alloc(0), ...http,
  };
  return {
    attributes: {
      source: { address: { socket_address: { address: '10.1.2.3', port_value: 5555, protocol: 'TCP', resolver_name: '', ipv4_compat: false } }, service: '', labels: {}, principal: '', certificate: '' },
      destination: null, request: { time: null, http: h }, context_extensions: { server: 'payments' }, metadata_context: null, tls_session: null, route_metadata_context: null,
      ...extra,
    },
  } as unknown as CheckRequest__Output;
}

describe('mapCheckRequest', () => {
  it('takes method, path, host, raw body, context extensions and the peer address from the CheckRequest', () => {
    const body = Buffer.from('{"amount":1}');
    const m = mapCheckRequest(request({ raw_body: body, headers: { 'content-length': String(body.length), 'x-request-id': 'req-1' } }));
    if (m.kind !== 'mapped') throw new Error(m.message);
    expect(m.view).toMatchObject({ method: 'POST', path: '/functions/payments.refund', host: 'api.local', contextExtensions: { server: 'payments' } });
    expect(m.view.body?.equals(body)).toBe(true);
    expect(m.facts).toEqual({ requestId: 'req-1', streamId: '13519049518330544501', sourceIp: '10.1.2.3' });
  });

  it('falls back to the stream id when there is no x-request-id', () => {
    const m = mapCheckRequest(request({}));
    expect(m.facts.requestId).toBe('13519049518330544501');
  });

  it('merges header_map entries like Envoy merges duplicate headers', () => {
    const m = mapCheckRequest(request({
      header_map: { headers: [
        { key: 'X-Dup', value: '', raw_value: Buffer.from('a') },
        { key: 'x-dup', value: '', raw_value: Buffer.from('b') },
      ] },
    }));
    if (m.kind !== 'mapped') throw new Error('expected mapped');
    expect(m.view.headers.get('x-dup')).toBe('a,b');
  });

  it('treats an absent body as no body', () => {
    const m = mapCheckRequest(request({ method: 'GET' }));
    if (m.kind !== 'mapped') throw new Error('expected mapped');
    expect(m.view.body).toBeUndefined();
  });

  it('refuses a UTF-8-sanitized body (pack_as_bytes: false)', () => {
    const m = mapCheckRequest(request({ body: '{"a":1}' }));
    expect(m).toMatchObject({ kind: 'rejected', code: 'ERR_SERVICE_MISCONFIGURED' });
  });

  it('refuses a body that does not match content-length (not buffered by Envoy)', () => {
    expect(mapCheckRequest(request({ headers: { 'content-length': '12' } }))).toMatchObject({ kind: 'rejected', code: 'ERR_CALL_PARTIAL_BODY' });
    expect(mapCheckRequest(request({ headers: { 'content-length': '0' } })).kind).toBe('mapped');
  });

  it('reads jwt_authn metadata and the peer principal for identity', () => {
    const m = mapCheckRequest(request({}, {
      metadata_context: { filter_metadata: { 'envoy.filters.http.jwt_authn': { fields: { jwt_payload: { kind: 'structValue', structValue: { fields: { sub: { kind: 'stringValue', stringValue: 'alice' } } } } } } }, typed_filter_metadata: {} },
    }));
    if (m.kind !== 'mapped') throw new Error('expected mapped');
    expect(m.identity.metadata['envoy.filters.http.jwt_authn']).toEqual({ jwt_payload: { sub: 'alice' } });
  });

  it('rejects a CheckRequest without an HTTP request', () => {
    expect(mapCheckRequest({ attributes: null } as unknown as CheckRequest__Output)).toMatchObject({ kind: 'rejected', code: 'ERR_SERVICE_MISCONFIGURED' });
  });
});
