import { parseCall } from '../../../src/calls/parse-call';
import type { ParseOptions } from '../../../src/calls/types';
import { buildRequest, callsOf, fixture, OPTIONS, rejectionOf } from './request-builder';

const refundBody = fixture('http/refund.json');

describe('parseCall: HTTP JSON functions', () => {
  it('takes the function from the {function} path parameter and the args from the body', () => {
    const result = callsOf(parseCall(buildRequest({ body: refundBody }), OPTIONS));
    expect(result).toMatchObject({ protocol: 'http', server: 'orders', batch: false });
    expect(result.calls).toHaveLength(1);
    expect(result.calls[0]).toMatchObject({ protocol: 'http', function: 'refund', server: 'orders' });
    expect(result.calls[0]?.args).toEqual({ amount: 12.5, currency: 'EUR', count: 3, order: { id: 'o-1', tags: ['a', 'b'] }, note: null });
  });

  it('ignores the query string when matching', () => {
    const result = callsOf(parseCall(buildRequest({ path: '/functions/refund?dry=1', body: refundBody }), OPTIONS));
    expect(result.calls[0]?.function).toBe('refund');
  });

  it('uses the route fixed function', () => {
    const result = callsOf(parseCall(buildRequest({ path: '/refund', body: '{}' }), OPTIONS));
    expect(result.calls[0]).toMatchObject({ function: 'payments.refund', server: 'payments' });
  });

  it('percent-decodes the captured segment exactly once', () => {
    const result = callsOf(parseCall(buildRequest({ path: '/functions/payments%2Erefund', body: '{}' }), OPTIONS));
    expect(result.calls[0]?.function).toBe('payments.refund');
  });

  it.each([
    ['an encoded slash', '/functions/a%2Fb'],
    ['an invalid escape', '/functions/a%zz'],
    ['a double-encoded slash', '/functions/a%252Fb'],
    ['a dot segment', '/functions/%2E%2E'],
  ])('rejects a path segment with %s', (_name, path) => {
    expect(rejectionOf(parseCall(buildRequest({ path, body: '{}' }), OPTIONS)).code).toBe('ERR_CALL_INVALID_PATH');
  });

  it('does not decode literal template segments', () => {
    expect(rejectionOf(parseCall(buildRequest({ path: '/%66unctions/refund', body: '{}' }), OPTIONS)).code).toBe('ERR_CALL_NO_ROUTE');
  });

  it('rejects an unmatched path with ERR_CALL_NO_ROUTE', () => {
    expect(rejectionOf(parseCall(buildRequest({ path: '/other', body: '{}' }), OPTIONS)).code).toBe('ERR_CALL_NO_ROUTE');
    expect(rejectionOf(parseCall(buildRequest({ path: '/functions/a/b', body: '{}' }), OPTIONS)).code).toBe('ERR_CALL_NO_ROUTE');
  });

  it('rejects a method the matching route does not allow', () => {
    const result = parseCall(buildRequest({ method: 'PUT', body: '{}' }), OPTIONS);
    expect(rejectionOf(result).code).toBe('ERR_CALL_METHOD_NOT_ALLOWED');
  });

  it('rejects a function name with the reserved mcp: prefix', () => {
    expect(rejectionOf(parseCall(buildRequest({ path: '/functions/mcp:tools%2Flist', body: '{}' }), OPTIONS)).code).toBe('ERR_CALL_INVALID_PATH');
    expect(rejectionOf(parseCall(buildRequest({ path: '/functions/mcp:ping', body: '{}' }), OPTIONS)).code).toBe('ERR_CALL_INVALID_FUNCTION');
  });

  describe('context_extensions', () => {
    it('take precedence over configured routes', () => {
      const req = buildRequest({ body: '{"a":1}', ext: { protocol: 'http', server: 'billing', function: 'invoice.create' } });
      const result = callsOf(parseCall(req, OPTIONS));
      expect(result.server).toBe('billing');
      expect(result.calls[0]).toMatchObject({ function: 'invoice.create', server: 'billing' });
    });

    it('route a request that no configured route matches', () => {
      const req = buildRequest({ path: '/anything', body: '{}', ext: { protocol: 'http', server: 's', function: 'f' } });
      expect(callsOf(parseCall(req, OPTIONS)).calls[0]?.function).toBe('f');
    });

    it('can carry a path template, content types and a method', () => {
      const ext = { protocol: 'http', server: 's', path: '/fn/{function}', content_types: 'application/json, application/vnd.api+json', method: 'POST' };
      const ok = buildRequest({ path: '/fn/hello', body: '{}', headers: { 'content-type': 'application/vnd.api+json' }, ext });
      expect(callsOf(parseCall(ok, OPTIONS)).calls[0]?.function).toBe('hello');
      expect(rejectionOf(parseCall(buildRequest({ path: '/other', body: '{}', ext }), OPTIONS)).code).toBe('ERR_CALL_NO_ROUTE');
      expect(rejectionOf(parseCall(buildRequest({ path: '/fn/x', method: 'PATCH', body: '{}', ext }), OPTIONS)).code).toBe('ERR_CALL_METHOD_NOT_ALLOWED');
      const xml = buildRequest({ path: '/fn/x', body: '{}', headers: { 'content-type': 'application/xml' }, ext });
      expect(rejectionOf(parseCall(xml, OPTIONS)).code).toBe('ERR_CALL_CONTENT_TYPE');
    });

    it('without protocol or server are a misconfiguration, not a fallback to routes', () => {
      const req = buildRequest({ body: '{}', ext: { server: 'billing' } });
      expect(rejectionOf(parseCall(req, OPTIONS)).code).toBe('ERR_SERVICE_MISCONFIGURED');
    });

    it('that carry neither protocol nor server leave routing to the configured routes', () => {
      const req = buildRequest({ body: '{}', ext: { tenant: 'a' } });
      expect(callsOf(parseCall(req, OPTIONS)).server).toBe('orders');
    });

    it('without a function source are a misconfiguration', () => {
      const req = buildRequest({ body: '{}', ext: { protocol: 'http', server: 's' } });
      expect(rejectionOf(parseCall(req, OPTIONS)).code).toBe('ERR_SERVICE_MISCONFIGURED');
    });
  });

  describe('bypass rules', () => {
    it.each([
      ['a body Envoy marked partial', { headers: { 'x-envoy-auth-partial-body': 'true' } }, 'ERR_CALL_PARTIAL_BODY'],
      ['gzip content-encoding', { headers: { 'content-encoding': 'gzip' } }, 'ERR_CALL_CONTENT_ENCODING'],
      ['identity then gzip', { headers: { 'content-encoding': 'identity,gzip' } }, 'ERR_CALL_CONTENT_ENCODING'],
      ['text/plain', { headers: { 'content-type': 'text/plain' } }, 'ERR_CALL_CONTENT_TYPE'],
      ['no content type', { headers: { 'content-type': '' } }, 'ERR_CALL_CONTENT_TYPE'],
      ['a latin1 charset', { headers: { 'content-type': 'application/json; charset=iso-8859-1' } }, 'ERR_CALL_CONTENT_TYPE'],
      ['a repeated charset', { headers: { 'content-type': 'application/json; charset=utf-8; charset=latin1' } }, 'ERR_CALL_CONTENT_TYPE'],
      ['two merged content types', { headers: { 'content-type': 'application/json,text/plain' } }, 'ERR_CALL_CONTENT_TYPE'],
    ] as const)('rejects %s', (_name, init, code) => {
      expect(rejectionOf(parseCall(buildRequest({ body: '{}', ...init }), OPTIONS)).code).toBe(code);
    });

    it('accepts identity encoding, a partial-body header of "false" and a case-variant UTF-8 media type', () => {
      const headers = { 'content-encoding': 'identity', 'x-envoy-auth-partial-body': 'false', 'content-type': 'Application/JSON; Charset="UTF-8"' };
      expect(parseCall(buildRequest({ body: '{}', headers }), OPTIONS).kind).toBe('calls');
    });

    it('rejects a missing or empty body', () => {
      expect(rejectionOf(parseCall(buildRequest({}), OPTIONS)).code).toBe('ERR_CALL_MISSING_BODY');
      expect(rejectionOf(parseCall(buildRequest({ body: '' }), OPTIONS)).code).toBe('ERR_CALL_MISSING_BODY');
    });

    it('rejects a body over the size limit', () => {
      const options: ParseOptions = { ...OPTIONS, limits: { ...OPTIONS.limits, maxBodyBytes: 10 } };
      expect(rejectionOf(parseCall(buildRequest({ body: '{"a":"0123456789"}' }), options)).code).toBe('ERR_CALL_BODY_TOO_LARGE');
      expect(parseCall(buildRequest({ body: '{"a":"01"}' }), options).kind).toBe('calls');
    });

    it('rejects invalid UTF-8 and a byte order mark', () => {
      const invalid = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]);
      expect(rejectionOf(parseCall(buildRequest({ body: invalid }), OPTIONS)).code).toBe('ERR_CALL_INVALID_UTF8');
      const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{}')]);
      expect(rejectionOf(parseCall(buildRequest({ body: bom }), OPTIONS)).code).toBe('ERR_CALL_INVALID_UTF8');
    });

    it.each([
      ['http/trailing-comma.json', 'ERR_CALL_INVALID_JSON'],
      ['http/comment.json', 'ERR_CALL_INVALID_JSON'],
      ['http/duplicate-key.json', 'ERR_CALL_DUPLICATE_KEY'],
      ['http/case-variant-key.json', 'ERR_CALL_DUPLICATE_KEY'],
      ['http/array-body.json', 'ERR_CALL_NOT_AN_OBJECT'],
    ])('rejects %s with %s', (file, code) => {
      expect(rejectionOf(parseCall(buildRequest({ body: fixture(file) }), OPTIONS)).code).toBe(code);
    });

    it('rejects nesting over the limit', () => {
      const deep = `{"a":${'['.repeat(10)}${']'.repeat(10)}}`;
      expect(rejectionOf(parseCall(buildRequest({ body: deep }), OPTIONS)).code).toBe('ERR_CALL_TOO_DEEP');
    });

    it('rejects a JSON scalar body as not an object', () => {
      expect(rejectionOf(parseCall(buildRequest({ body: '"hello"' }), OPTIONS)).code).toBe('ERR_CALL_NOT_AN_OBJECT');
    });

    it('HTTP rejections carry no MCP fields', () => {
      const rejection = rejectionOf(parseCall(buildRequest({ body: '[1]' }), OPTIONS));
      expect(rejection.protocol).toBeUndefined();
      expect(rejection.jsonRpcCode).toBeUndefined();
    });
  });
});
