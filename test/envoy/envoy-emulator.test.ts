/**
 * The Envoy emulator against a scripted Check server (grpc-js on 127.0.0.1:0) and a recording upstream:
 * the ext_authz behaviours of envoy-semantics b.8 items 1–6 and 8–11, plus routing and config reading.
 */
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { loadAuthProto } from '../../src/envoy/protos';
import type { CheckRequest__Output } from '../../src/generated/envoy/service/auth/v3/CheckRequest';
import type { CheckResponse } from '../../src/generated/envoy/service/auth/v3/CheckResponse';
import { emulatorOptionsFromEnvoyConfig, startEnvoyEmulator, type EmulatorOptions, type EnvoyEmulator } from '../support/envoy-emulator';

type Answer = CheckResponse | { error: grpc.ServiceError } | { delayMs: number; response: CheckResponse };

interface Recorded {
  method: string;
  url: string;
  rawHeaders: string[];
  body: Buffer;
}

interface Reply {
  status: number;
  rawHeaders: string[];
  body: string;
}

const OK: CheckResponse = { status: { code: 0 } };

let checkServer: grpc.Server;
let checkAddress: string;
let upstream: http.Server;
let upstreamUrl: string;
let answer: Answer = OK;
let checks: CheckRequest__Output[] = [];
let upstreamSeen: Recorded[] = [];
const emulators: EnvoyEmulator[] = [];

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

beforeAll(async () => {
  const proto = loadAuthProto();
  checkServer = new grpc.Server();
  checkServer.addService(proto.envoy.service.auth.v3.Authorization.service, {
    Check: (call: grpc.ServerUnaryCall<CheckRequest__Output, CheckResponse>, callback: grpc.sendUnaryData<CheckResponse>) => {
      checks.push(call.request);
      const a = answer;
      if ('error' in a) callback(a.error);
      else if ('delayMs' in a) setTimeout(() => callback(null, a.response), a.delayMs);
      else callback(null, a);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    checkServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  checkAddress = `127.0.0.1:${port}`;
  upstream = http.createServer((req, res) => {
    void readAll(req).then((body) => {
      upstreamSeen.push({ method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, body });
      res.writeHead(200, ['content-type', 'text/plain', 'x-upstream', 'yes']);
      res.end('from upstream');
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  checkServer.forceShutdown();
});

beforeEach(() => {
  answer = OK;
  checks = [];
  upstreamSeen = [];
});

afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

async function start(overrides: Partial<EmulatorOptions> = {}): Promise<EnvoyEmulator> {
  const emulator = await startEnvoyEmulator({
    authzAddress: checkAddress,
    upstream: upstreamUrl,
    routes: [
      { prefix: '/mcp', contextExtensions: { protocol: 'mcp', server: 'tools' } },
      { prefix: '/open', disabled: true },
      { prefix: '/functions/', contextExtensions: { protocol: 'http', server: 'payments' } },
    ],
    withRequestBody: { maxRequestBytes: 16, allowPartialMessage: false, packAsBytes: true },
    ...overrides,
  });
  emulators.push(emulator);
  return emulator;
}

function send(base: string, opts: { method?: string; path: string; headers?: Array<[string, string]>; body?: string | Buffer }): Promise<Reply> {
  const url = new URL(base);
  const given = opts.headers ?? [];
  // With raw (array) headers Node adds no Host header itself; HTTP/1.1 requires one.
  const withHost: Array<[string, string]> = given.some(([k]) => k.toLowerCase() === 'host') ? given : [['host', url.host], ...given];
  const headers = withHost.flatMap(([k, v]) => [k, v]);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: opts.method ?? 'GET', path: opts.path, headers }, (res) => {
      void readAll(res).then((body) => resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, body: body.toString('utf8') }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

function lines(rawHeaders: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i]?.toLowerCase() === name) out.push(rawHeaders[i + 1] ?? '');
  return out;
}

function onlyCheck(): CheckRequest__Output {
  expect(checks).toHaveLength(1);
  return checks[0] as CheckRequest__Output;
}

function httpOf(check: CheckRequest__Output) {
  const http = check.attributes?.request?.http;
  if (http === undefined || http === null) throw new Error('no http attributes');
  return http;
}

function onlyUpstream(): Recorded {
  expect(upstreamSeen).toHaveLength(1);
  return upstreamSeen[0] as Recorded;
}

describe('CheckRequest (b.1, b.2)', () => {
  it('carries the request as Envoy builds it', async () => {
    const e = await start({ metadataContext: () => ({ 'envoy.filters.http.jwt_authn': { jwt_payload: { sub: 'alice', groups: ['ops'] } } }) });
    const reply = await send(e.url, {
      method: 'POST', path: '/functions/refund?x=1%2F2',
      headers: [['Content-Type', 'application/json'], ['X-Dup', 'a'], ['x-dup', 'b'], ['Host', 'pay.example']],
      body: '{"a":1}',
    });
    expect(reply.status).toBe(200);
    const check = onlyCheck();
    const http = httpOf(check);
    expect(http.method).toBe('POST');
    expect(http.path).toBe('/functions/refund?x=1%2F2');
    expect(http.host).toBe('pay.example');
    expect(http.scheme).toBe('http');
    expect(http.protocol).toBe('HTTP/1.1');
    expect(http.size).toBe('7');
    expect(http.headers[':method']).toBe('POST');
    expect(http.headers[':path']).toBe('/functions/refund?x=1%2F2');
    expect(http.headers[':authority']).toBe('pay.example');
    expect(http.headers[':scheme']).toBe('http');
    expect(http.headers.host).toBeUndefined();
    expect(http.headers['x-dup']).toBe('a,b');
    expect(http.headers['content-type']).toBe('application/json');
    expect(http.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(http.id).toMatch(/^\d+$/);
    expect(http.id).not.toBe(http.headers['x-request-id']);
    expect(http.raw_body.toString('utf8')).toBe('{"a":1}');
    expect(http.body).toBe('');
    expect(http.headers['x-envoy-auth-partial-body']).toBe('false');
    expect(check.attributes?.context_extensions).toEqual({ protocol: 'http', server: 'payments' });
    expect(check.attributes?.source?.address?.socket_address?.address).toBe('127.0.0.1');
    expect(check.attributes?.source?.address?.socket_address?.port_value).toBeGreaterThan(0);
    expect(check.attributes?.destination?.address?.socket_address?.port_value).toBe(Number(new URL(e.url).port));
    expect(Number(check.attributes?.request?.time?.seconds)).toBeGreaterThan(1_600_000_000);
    const jwt = check.attributes?.metadata_context?.filter_metadata['envoy.filters.http.jwt_authn'];
    expect(jwt?.fields.jwt_payload?.structValue?.fields.sub?.stringValue).toBe('alice');
    expect(e.lastCheckRequest()).toMatchObject({ attributes: { context_extensions: { server: 'payments' } } });
  });

  it('uses increasing stream ids, keeps a client x-request-id, and sends no context_extensions without a route override', async () => {
    const e = await start({ routes: [{ prefix: '/' }] });
    await send(e.url, { path: '/a', headers: [['x-request-id', 'client-id']] });
    await send(e.url, { path: '/b' });
    expect(checks).toHaveLength(2);
    const [first, second] = checks.map(httpOf);
    expect(first?.headers['x-request-id']).toBe('client-id');
    expect(second?.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(BigInt(second?.id ?? '0')).toBeGreaterThan(BigInt(first?.id ?? '0'));
    expect(checks[0]?.attributes?.context_extensions).toEqual({});
  });

  it('GET without a body: no body and no partial-body header (item 9); a client-sent one is dropped (item 8)', async () => {
    const e = await start();
    await send(e.url, { path: '/mcp', headers: [['x-envoy-auth-partial-body', 'false']] });
    const http = httpOf(onlyCheck());
    expect(http.raw_body.length).toBe(0);
    expect(http.size).toBe('0');
    expect(http.headers['x-envoy-auth-partial-body']).toBeUndefined();
  });

  it('replaces a client-sent partial-body header with its own', async () => {
    const e = await start();
    await send(e.url, { method: 'POST', path: '/mcp', headers: [['x-envoy-auth-partial-body', 'true']], body: 'small' });
    expect(httpOf(onlyCheck()).headers['x-envoy-auth-partial-body']).toBe('false');
  });

  it('answers 413 for an oversized body without a check when partial messages are not allowed (item 4)', async () => {
    const e = await start();
    const reply = await send(e.url, { method: 'POST', path: '/mcp', body: 'x'.repeat(17) });
    expect(reply.status).toBe(413);
    expect(checks).toHaveLength(0);
    expect(upstreamSeen).toHaveLength(0);
  });

  it('truncates and flags a partial body, then forwards the whole body (item 5)', async () => {
    const e = await start({ withRequestBody: { maxRequestBytes: 4, allowPartialMessage: true, packAsBytes: true } });
    const reply = await send(e.url, { method: 'POST', path: '/mcp', body: '0123456789' });
    expect(reply.status).toBe(200);
    const http = httpOf(onlyCheck());
    expect(http.raw_body.toString()).toBe('0123');
    expect(http.headers['x-envoy-auth-partial-body']).toBe('true');
    expect(onlyUpstream().body.toString()).toBe('0123456789');
  });

  it('sends no body at all without with_request_body', async () => {
    const e = await start({ withRequestBody: null });
    await send(e.url, { method: 'POST', path: '/mcp', body: 'abc' });
    const http = httpOf(onlyCheck());
    expect(http.raw_body.length).toBe(0);
    expect(http.headers['x-envoy-auth-partial-body']).toBeUndefined();
    expect(onlyUpstream().body.toString()).toBe('abc');
  });

  it('sanitizes the body into `body` when pack_as_bytes is false', async () => {
    const e = await start({ withRequestBody: { maxRequestBytes: 64, allowPartialMessage: false, packAsBytes: false } });
    await send(e.url, { method: 'POST', path: '/mcp', body: Buffer.from([0x61, 0xff, 0x62, 0xc3, 0xa9]) });
    const http = httpOf(onlyCheck());
    expect(http.body).toBe('a!bé');
    expect(http.raw_body.length).toBe(0);
  });

  it('sends header_map instead of headers with encode_raw_headers', async () => {
    const e = await start({ encodeRawHeaders: true });
    await send(e.url, { path: '/mcp', headers: [['x-dup', 'a'], ['x-dup', 'b']] });
    const http = httpOf(onlyCheck());
    expect(http.headers).toEqual({});
    const dup = (http.header_map?.headers ?? []).filter((h) => h.key === 'x-dup').map((h) => h.raw_value.toString());
    expect(dup).toEqual(['a', 'b']);
  });

  it('replies 404 without a check when no route matches, and skips the check on a disabled route', async () => {
    const e = await start();
    expect((await send(e.url, { path: '/nowhere' })).status).toBe(404);
    expect(checks).toHaveLength(0);
    expect((await send(e.url, { path: '/open/x' })).status).toBe(200);
    expect(checks).toHaveLength(0);
    expect(onlyUpstream().url).toBe('/open/x');
  });
});

describe('CheckResponse (b.3, b.4)', () => {
  it('an empty CheckResponse allows (item 1)', async () => {
    answer = {};
    const e = await start();
    const reply = await send(e.url, { method: 'POST', path: '/mcp', body: '{}' });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('from upstream');
    expect(onlyUpstream().body.toString()).toBe('{}');
  });

  it('an RPC error or a timeout denies with status_on_error (item 2)', async () => {
    const e = await start();
    answer = { error: Object.assign(new Error('boom'), { code: grpc.status.UNAVAILABLE, details: 'boom', metadata: new grpc.Metadata() }) };
    expect((await send(e.url, { path: '/mcp' })).status).toBe(403);
    answer = { delayMs: 300, response: OK };
    expect((await send(e.url, { path: '/mcp' })).status).toBe(403);
    const e503 = await start({ statusOnError: 503, timeoutMs: 50 });
    expect((await send(e503.url, { path: '/mcp' })).status).toBe(503);
    expect(upstreamSeen).toHaveLength(0);
  });

  it('failure_mode_allow passes on error and marks the request', async () => {
    answer = { error: Object.assign(new Error('down'), { code: grpc.status.UNAVAILABLE, details: 'down', metadata: new grpc.Metadata() }) };
    const e = await start({ failureModeAllow: true });
    expect((await send(e.url, { path: '/mcp' })).status).toBe(200);
    expect(lines(onlyUpstream().rawHeaders, 'x-envoy-auth-failure-mode-allowed')).toEqual(['true']);
  });

  it('a denial replies with its status, body and repeated headers, and records dynamic metadata (item 3)', async () => {
    answer = {
      status: { code: 16 },
      denied_response: {
        status: { code: 'Unauthorized' },
        headers: [
          { header: { key: 'set-cookie', value: 'a=1' }, append: { value: false } },
          { header: { key: 'set-cookie', value: 'b=2' }, append: { value: false } },
          { header: { key: 'www-authenticate', value: 'Bearer realm="callgate"' } },
          { header: { key: 'content-type', value: 'application/json' } },
        ],
        body: '{"error":"unauthenticated"}',
      },
      dynamic_metadata: { fields: { decision_id: { stringValue: 'd-1' } } },
    };
    const e = await start();
    const reply = await send(e.url, { path: '/mcp' });
    expect(reply.status).toBe(401);
    expect(reply.body).toBe('{"error":"unauthenticated"}');
    expect(lines(reply.rawHeaders, 'set-cookie')).toEqual(['a=1', 'b=2']);
    expect(lines(reply.rawHeaders, 'www-authenticate')).toEqual(['Bearer realm="callgate"']);
    expect(lines(reply.rawHeaders, 'content-type')).toEqual(['application/json']);
    expect(upstreamSeen).toHaveLength(0);
    expect(e.lastDynamicMetadata()).toEqual({ decision_id: 'd-1' });
  });

  it('a denial without a status is 403', async () => {
    answer = { status: { code: 7 } };
    const e = await start();
    const reply = await send(e.url, { path: '/mcp' });
    expect(reply.status).toBe(403);
    expect(reply.body).toBe('');
  });

  it('ignores headers_to_remove of :path and host, removes others (item 10)', async () => {
    answer = { status: { code: 0 }, ok_response: { headers_to_remove: [':path', 'host', ':authority', 'x-secret'] } };
    const e = await start();
    await send(e.url, { path: '/mcp/x', headers: [['host', 'tools.example'], ['x-secret', 's'], ['x-keep', 'k']] });
    const seen = onlyUpstream();
    expect(seen.url).toBe('/mcp/x');
    expect(lines(seen.rawHeaders, 'host')).toEqual(['tools.example']);
    expect(lines(seen.rawHeaders, 'x-secret')).toEqual([]);
    expect(lines(seen.rawHeaders, 'x-keep')).toEqual(['k']);
  });

  it('query parameter mutations reach the upstream (item 11)', async () => {
    answer = {
      status: { code: 0 },
      ok_response: { query_parameters_to_set: [{ key: 'tenant', value: 'acme' }, { key: 'b', value: '2' }], query_parameters_to_remove: ['debug'] },
    };
    const e = await start();
    await send(e.url, { path: '/functions/f?debug=1&tenant=evil&a=x' });
    expect(onlyUpstream().url).toBe('/functions/f?a=x&b=2&tenant=acme');
  });

  it('applies response_headers_to_add and records metadata with ext_authz_duration on OK', async () => {
    answer = {
      status: { code: 0 },
      ok_response: {
        headers: [{ header: { key: 'x-callgate-decision-id', value: 'd-2' }, append: { value: false }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
        response_headers_to_add: [{ header: { key: 'x-decided-by', value: 'callgate' }, append: { value: false } }],
      },
      dynamic_metadata: { fields: { decision_id: { stringValue: 'd-2' } } },
    };
    const e = await start();
    const reply = await send(e.url, { path: '/mcp', headers: [['x-callgate-decision-id', 'forged']] });
    expect(lines(reply.rawHeaders, 'x-decided-by')).toEqual(['callgate']);
    expect(lines(reply.rawHeaders, 'x-upstream')).toEqual(['yes']);
    expect(lines(onlyUpstream().rawHeaders, 'x-callgate-decision-id')).toEqual(['d-2']);
    expect(e.lastDynamicMetadata()).toEqual({ decision_id: 'd-2', ext_authz_duration: expect.any(Number) });
  });

  describe('append semantics per Envoy version (b.4)', () => {
    const unset = { header: { key: 'x-tag', value: 'new' } };
    const appendTrue = { header: { key: 'x-joined', value: 'new' }, append: { value: true } };
    const ifAbsent = { header: { key: 'x-absent', value: 'new' }, append_action: 'ADD_IF_ABSENT' as const };

    async function upstreamLinesWith(semantics: 'v1.36' | 'main'): Promise<Record<string, string[]>> {
      answer = { status: { code: 0 }, ok_response: { headers: [unset, appendTrue, ifAbsent] } };
      const e = await start({ headerAppendSemantics: semantics });
      await send(e.url, { path: '/mcp', headers: [['x-tag', 'old'], ['x-joined', 'old'], ['x-absent', 'old']] });
      const raw = onlyUpstream().rawHeaders;
      upstreamSeen = [];
      return { tag: lines(raw, 'x-tag'), joined: lines(raw, 'x-joined'), absent: lines(raw, 'x-absent') };
    }

    it('v1.36: unset append overwrites and append_action is ignored', async () => {
      expect(await upstreamLinesWith('v1.36')).toEqual({ tag: ['new'], joined: ['old,new'], absent: ['new'] });
    });

    it('main: unset append follows append_action (default adds a second line)', async () => {
      expect(await upstreamLinesWith('main')).toEqual({ tag: ['old', 'new'], joined: ['old,new'], absent: ['old'] });
    });
  });
});

describe('emulatorOptionsFromEnvoyConfig', () => {
  it('reads the sidecar config', () => {
    const options = emulatorOptionsFromEnvoyConfig(path.join(__dirname, '..', '..', 'envoy', 'sidecar.yaml'), {
      authzAddress: '127.0.0.1:1',
      upstream: 'http://127.0.0.1:2',
    });
    expect(options).toEqual({
      authzAddress: '127.0.0.1:1',
      upstream: 'http://127.0.0.1:2',
      routes: [
        { prefix: '/mcp', contextExtensions: { protocol: 'mcp', server: 'tools' } },
        { prefix: '/functions/', contextExtensions: { protocol: 'http', server: 'payments', path: '/functions/{function}', method: 'POST' } },
        { prefix: '/' },
      ],
      timeoutMs: 250,
      failureModeAllow: false,
      statusOnError: 503,
      withRequestBody: { maxRequestBytes: 1048576, allowPartialMessage: false, packAsBytes: true },
      encodeRawHeaders: true,
    });
  });

  it('drives the emulator end to end with the edge config', async () => {
    const options = emulatorOptionsFromEnvoyConfig(path.join(__dirname, '..', '..', 'envoy', 'edge.yaml'), {
      authzAddress: checkAddress,
      upstream: upstreamUrl,
    });
    const e = await startEnvoyEmulator(options);
    emulators.push(e);
    const reply = await send(e.url, { method: 'POST', path: '/mcp', headers: [['content-type', 'application/json']], body: '{"jsonrpc":"2.0"}' });
    expect(reply.status).toBe(200);
    const http = httpOf(onlyCheck());
    expect(http.header_map?.headers.find((h) => h.key === 'x-envoy-auth-partial-body')?.raw_value.toString()).toBe('false');
    expect(http.raw_body.toString()).toBe('{"jsonrpc":"2.0"}');
  });
});
