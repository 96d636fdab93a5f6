import { parseCall } from '../../../src/calls/parse-call';
import { buildRequest, callsOf, fixture, mcpRequest, OPTIONS, rejectionOf } from './request-builder';

const V2026 = { 'mcp-protocol-version': '2026-07-28' };
const b64 = (s: string): string => `=?base64?${Buffer.from(s, 'utf8').toString('base64')}?=`;

describe('parseCall: MCP Streamable HTTP', () => {
  it('maps tools/call to the tool with its arguments', () => {
    const result = callsOf(parseCall(mcpRequest(fixture('mcp/tools-call.json'), { 'mcp-protocol-version': '2025-06-18' }), OPTIONS));
    expect(result).toMatchObject({ protocol: 'mcp', server: 'tools', batch: false });
    expect(result.calls[0]).toMatchObject({
      protocol: 'mcp', function: 'search_issues', server: 'tools', jsonRpcId: 7, mcpMethod: 'tools/call', mcpProtocolVersion: '2025-06-18',
    });
    expect(result.calls[0]?.args).toEqual({ query: 'bug', limit: 10 });
  });

  it('assumes 2025-03-26 without a protocol version header', () => {
    const result = callsOf(parseCall(mcpRequest(fixture('mcp/tools-call.json')), OPTIONS));
    expect(result.calls[0]?.mcpProtocolVersion).toBe('2025-03-26');
  });

  it('reads the version of initialize from params.protocolVersion', () => {
    const result = callsOf(parseCall(mcpRequest(fixture('mcp/initialize.json')), OPTIONS));
    expect(result.calls[0]).toMatchObject({ function: 'mcp:initialize', mcpProtocolVersion: '2025-06-18', args: {} });
    const unknown = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2099-01-01"}}';
    expect(rejectionOf(parseCall(mcpRequest(unknown), OPTIONS))).toMatchObject({ code: 'ERR_CALL_MCP_VERSION', jsonRpcId: 1, jsonRpcCode: -32600 });
  });

  it('rejects an unknown protocol version header', () => {
    const rejection = rejectionOf(parseCall(mcpRequest(fixture('mcp/tools-call.json'), { 'mcp-protocol-version': '2024-11-05' }), OPTIONS));
    expect(rejection).toMatchObject({ code: 'ERR_CALL_MCP_VERSION', protocol: 'mcp', jsonRpcId: 7 });
  });

  it.each([
    ['mcp/resources-read.json', 'mcp:resources/read', { uri: 'file:///etc/app.conf' }],
    ['mcp/prompts-get.json', 'mcp:prompts/get', { name: 'summarize' }],
    ['mcp/notification.json', 'mcp:notifications/initialized', {}],
  ])('maps %s to %s', (file, fn, args) => {
    const call = callsOf(parseCall(mcpRequest(fixture(file)), OPTIONS)).calls[0];
    expect(call?.function).toBe(fn);
    expect(call?.args).toEqual(args);
  });

  it('maps a notification without an id', () => {
    const call = callsOf(parseCall(mcpRequest(fixture('mcp/notification.json')), OPTIONS)).calls[0];
    expect(call?.jsonRpcId).toBeUndefined();
    expect(call?.mcpMethod).toBe('notifications/initialized');
  });

  it('maps resources/subscribe to { uri } and other methods to {}', () => {
    const sub = '{"jsonrpc":"2.0","id":1,"method":"resources/subscribe","params":{"uri":"x://y"}}';
    expect(callsOf(parseCall(mcpRequest(sub), OPTIONS)).calls[0]).toMatchObject({ function: 'mcp:resources/subscribe', args: { uri: 'x://y' } });
    const list = '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"c"}}';
    expect(callsOf(parseCall(mcpRequest(list), OPTIONS)).calls[0]).toMatchObject({ function: 'mcp:tools/list', args: {} });
  });

  it('maps a client JSON-RPC response to mcp:response', () => {
    const call = callsOf(parseCall(mcpRequest(fixture('mcp/response.json'), { 'mcp-protocol-version': '2025-11-25' }), OPTIONS)).calls[0];
    expect(call).toMatchObject({ function: 'mcp:response', jsonRpcId: 'srv-1', args: {} });
    const errorResponse = '{"jsonrpc":"2.0","id":null,"error":{"code":-1,"message":"no"}}';
    expect(callsOf(parseCall(mcpRequest(errorResponse), OPTIONS)).calls[0]).toMatchObject({ function: 'mcp:response', jsonRpcId: null });
  });

  it('maps GET and DELETE', () => {
    const get = callsOf(parseCall(buildRequest({ method: 'GET', path: '/mcp' }), OPTIONS));
    expect(get.calls[0]).toMatchObject({ function: 'mcp:stream/listen', args: {} });
    const del = callsOf(parseCall(buildRequest({ method: 'DELETE', path: '/mcp', headers: { 'mcp-protocol-version': '2025-06-18' } }), OPTIONS));
    expect(del.calls[0]).toMatchObject({ function: 'mcp:session/delete', mcpProtocolVersion: '2025-06-18' });
  });

  it('rejects GET and DELETE on 2026-07-28, a GET with a body, and other methods', () => {
    expect(rejectionOf(parseCall(buildRequest({ method: 'GET', path: '/mcp', headers: V2026 }), OPTIONS))).toMatchObject({ code: 'ERR_CALL_METHOD_NOT_ALLOWED', protocol: 'mcp' });
    expect(rejectionOf(parseCall(buildRequest({ method: 'DELETE', path: '/mcp', headers: V2026 }), OPTIONS)).code).toBe('ERR_CALL_METHOD_NOT_ALLOWED');
    expect(rejectionOf(parseCall(buildRequest({ method: 'GET', path: '/mcp', body: '{}' }), OPTIONS)).code).toBe('ERR_CALL_INVALID_JSONRPC');
    expect(rejectionOf(parseCall(buildRequest({ method: 'PUT', path: '/mcp', body: '{}' }), OPTIONS)).code).toBe('ERR_CALL_METHOD_NOT_ALLOWED');
  });

  describe('envelope validation', () => {
    it.each([
      ['no jsonrpc', '{"id":1,"method":"ping"}'],
      ['jsonrpc 1.0', '{"jsonrpc":"1.0","id":1,"method":"ping"}'],
      ['a non-string method', '{"jsonrpc":"2.0","id":1,"method":5}'],
      ['a null request id', '{"jsonrpc":"2.0","id":null,"method":"ping"}'],
      ['an object id', '{"jsonrpc":"2.0","id":{},"method":"ping"}'],
      ['array params', '{"jsonrpc":"2.0","id":1,"method":"ping","params":[]}'],
      ['an unknown member', '{"jsonrpc":"2.0","id":1,"method":"ping","extra":1}'],
      ['both result and error', '{"jsonrpc":"2.0","id":1,"result":{},"error":{}}'],
      ['a response without id', '{"jsonrpc":"2.0","result":{}}'],
      ['neither method nor result', '{"jsonrpc":"2.0","id":1}'],
      ['a tools/call without name', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}'],
      ['a tools/call with non-object arguments', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":[1]}}'],
      ['a tools/call with null arguments', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":null}}'],
      ['a tool named like a protocol method', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"mcp:tools/list"}}'],
      ['resources/read without uri', '{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{}}'],
      ['prompts/get without name', '{"jsonrpc":"2.0","id":1,"method":"prompts/get"}'],
      ['a JSON scalar', '42'],
    ])('rejects %s as ERR_CALL_INVALID_JSONRPC (-32600)', (_name, body) => {
      const rejection = rejectionOf(parseCall(mcpRequest(body), OPTIONS));
      expect(rejection).toMatchObject({ code: 'ERR_CALL_INVALID_JSONRPC', protocol: 'mcp', jsonRpcCode: -32600 });
    });

    it('carries the request id in a rejection when it could be read', () => {
      const rejection = rejectionOf(parseCall(mcpRequest('{"jsonrpc":"2.0","id":"abc","method":"tools/call","params":{}}'), OPTIONS));
      expect(rejection.jsonRpcId).toBe('abc');
    });

    it('defaults missing tools/call arguments to {}', () => {
      const call = callsOf(parseCall(mcpRequest('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t"}}'), OPTIONS)).calls[0];
      expect(call?.args).toEqual({});
    });

    it('rejects unparseable bodies with -32700 and bypass headers with -32600', () => {
      expect(rejectionOf(parseCall(mcpRequest('{"jsonrpc":'), OPTIONS))).toMatchObject({ code: 'ERR_CALL_INVALID_JSON', protocol: 'mcp', jsonRpcCode: -32700 });
      expect(rejectionOf(parseCall(mcpRequest('{"a":1,"a":2}'), OPTIONS))).toMatchObject({ code: 'ERR_CALL_DUPLICATE_KEY', jsonRpcCode: -32700 });
      const gz = mcpRequest(fixture('mcp/tools-call.json'), { 'content-encoding': 'gzip' });
      expect(rejectionOf(parseCall(gz, OPTIONS))).toMatchObject({ code: 'ERR_CALL_CONTENT_ENCODING', protocol: 'mcp', jsonRpcCode: -32600 });
      expect(rejectionOf(parseCall(buildRequest({ path: '/mcp' }), OPTIONS))).toMatchObject({ code: 'ERR_CALL_MISSING_BODY', protocol: 'mcp' });
    });
  });

  describe('batches', () => {
    it('parses every element of a 2025-03-26 batch', () => {
      const result = callsOf(parseCall(mcpRequest(fixture('mcp/batch.json')), OPTIONS));
      expect(result.batch).toBe(true);
      expect(result.calls.map((c) => c.function)).toEqual(['a', 'mcp:tools/list', 'mcp:notifications/progress']);
      expect(result.calls.map((c) => c.jsonRpcId)).toEqual([1, 2, undefined]);
    });

    it.each(['2025-06-18', '2025-11-25', '2026-07-28'])('rejects a batch on %s', (version) => {
      const rejection = rejectionOf(parseCall(mcpRequest(fixture('mcp/batch.json'), { 'mcp-protocol-version': version }), OPTIONS));
      expect(rejection).toMatchObject({ code: 'ERR_CALL_BATCH_NOT_ALLOWED', protocol: 'mcp', jsonRpcCode: -32600 });
    });

    it('rejects an empty batch and a batch over the size limit', () => {
      expect(rejectionOf(parseCall(mcpRequest('[]'), OPTIONS)).code).toBe('ERR_CALL_EMPTY_BATCH');
      const big = JSON.stringify(Array.from({ length: 6 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' })));
      expect(rejectionOf(parseCall(mcpRequest(big), OPTIONS)).code).toBe('ERR_CALL_BATCH_TOO_LARGE');
    });

    it('rejects the whole batch when one element is invalid, with that element id', () => {
      const body = '[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{}}]';
      expect(rejectionOf(parseCall(mcpRequest(body), OPTIONS))).toMatchObject({ code: 'ERR_CALL_INVALID_JSONRPC', jsonRpcId: 2 });
      const init = '[{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26"}}]';
      expect(rejectionOf(parseCall(mcpRequest(init), OPTIONS)).code).toBe('ERR_CALL_INVALID_JSONRPC');
    });
  });

  describe('2026-07-28 request-metadata headers', () => {
    const body = fixture('mcp/tools-call-2026.json');
    const good = { ...V2026, 'mcp-method': 'tools/call', 'mcp-name': 'execute_sql', 'mcp-param-region': 'us-west1' };

    it('accepts matching headers', () => {
      const call = callsOf(parseCall(mcpRequest(body, good), OPTIONS)).calls[0];
      expect(call).toMatchObject({ function: 'execute_sql', mcpProtocolVersion: '2026-07-28' });
    });

    it('accepts base64-sentinel values, integers compared numerically and booleans', () => {
      const headers = { ...good, 'mcp-name': b64('execute_sql'), 'mcp-param-region': b64('us-west1'), 'mcp-param-limit': '42.0', 'mcp-param-dryrun': 'false' };
      expect(parseCall(mcpRequest(body, headers), OPTIONS).kind).toBe('calls');
    });

    it.each([
      ['Mcp-Method missing', { 'mcp-method': '' }],
      ['Mcp-Method different', { 'mcp-method': 'tools/list' }],
      ['Mcp-Method differing in case', { 'mcp-method': 'Tools/Call' }],
      ['Mcp-Name missing', { 'mcp-name': '' }],
      ['Mcp-Name different', { 'mcp-name': 'drop_table' }],
      ['Mcp-Name with invalid base64', { 'mcp-name': '=?base64?***?=' }],
      ['Mcp-Name with a non-ASCII character', { 'mcp-name': 'execute_sql\u00e9' }],
      ['Mcp-Param different', { 'mcp-param-region': 'eu-west1' }],
      ['Mcp-Param naming no argument', { 'mcp-param-zone': 'a' }],
      ['Mcp-Param for a non-integer match', { 'mcp-param-limit': '42.5' }],
      ['Mcp-Param for a boolean in another case', { 'mcp-param-dryrun': 'False' }],
      ['Mcp-Param for a non-primitive', { 'mcp-param-query': 'SELECT 2' }],
      ['a version header that differs from _meta', { 'mcp-protocol-version': '2025-11-25' }],
    ])('rejects %s with -32020', (_name, override) => {
      const rejection = rejectionOf(parseCall(mcpRequest(body, { ...good, ...override }), OPTIONS));
      expect(rejection).toMatchObject({ code: 'ERR_CALL_MCP_HEADER_MISMATCH', protocol: 'mcp', jsonRpcCode: -32020, jsonRpcId: 1 });
    });

    it('rejects a body declaring 2026-07-28 in _meta without the version header', () => {
      const { 'mcp-protocol-version': _omit, ...rest } = good;
      const rejection = rejectionOf(parseCall(mcpRequest(body, rest), OPTIONS));
      expect(rejection.code).toBe('ERR_CALL_MCP_HEADER_MISMATCH');
    });

    it('requires Mcp-Name for resources/read and prompts/get but not for tools/list', () => {
      const read = '{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"file:///a b"}}';
      expect(rejectionOf(parseCall(mcpRequest(read, { ...V2026, 'mcp-method': 'resources/read' }), OPTIONS)).code).toBe('ERR_CALL_MCP_HEADER_MISMATCH');
      expect(parseCall(mcpRequest(read, { ...V2026, 'mcp-method': 'resources/read', 'mcp-name': 'file:///a b' }), OPTIONS).kind).toBe('calls');
      const list = '{"jsonrpc":"2.0","id":3,"method":"tools/list"}';
      expect(parseCall(mcpRequest(list, { ...V2026, 'mcp-method': 'tools/list' }), OPTIONS).kind).toBe('calls');
    });

    it('rejects a client JSON-RPC response on 2026-07-28', () => {
      expect(rejectionOf(parseCall(mcpRequest(fixture('mcp/response.json'), V2026), OPTIONS))).toMatchObject({ code: 'ERR_CALL_INVALID_JSONRPC', jsonRpcId: 'srv-1' });
    });

    it('checks request-metadata headers that older versions send anyway', () => {
      const headers = { 'mcp-protocol-version': '2025-06-18', 'mcp-method': 'tools/list' };
      expect(rejectionOf(parseCall(mcpRequest(fixture('mcp/tools-call.json'), headers), OPTIONS)).code).toBe('ERR_CALL_MCP_HEADER_MISMATCH');
      expect(parseCall(mcpRequest(fixture('mcp/tools-call.json'), { 'mcp-protocol-version': '2025-06-18' }), OPTIONS).kind).toBe('calls');
    });

    it('rejects Mcp-Param headers on methods other than tools/call', () => {
      const list = '{"jsonrpc":"2.0","id":3,"method":"tools/list"}';
      expect(rejectionOf(parseCall(mcpRequest(list, { ...V2026, 'mcp-method': 'tools/list', 'mcp-param-x': '1' }), OPTIONS)).code).toBe('ERR_CALL_MCP_HEADER_MISMATCH');
    });
  });
});
