/**
 * A small emulation of Envoy's HTTP connection manager with the ext_authz (gRPC) and router filters, for
 * end-to-end tests: HTTP client → this server → Check over real gRPC → the upstream over real HTTP.
 * It follows envoy-semantics b.1–b.4; docs/envoy.md lists what it does not cover. State lives in the
 * emulator instance (never at module level).
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { loadAuthProto } from '../../../src/envoy/protos';
import type { CheckRequest } from '../../../src/generated/envoy/service/auth/v3/CheckRequest';
import type { CheckResponse__Output } from '../../../src/generated/envoy/service/auth/v3/CheckResponse';
import type { AuthorizationClient } from '../../../src/generated/envoy/service/auth/v3/Authorization';
import { applyDeniedHeaders, applyOkResponse, applyResponseHeaderOption, classifyCheckResponse, type CheckVerdict } from './apply-check-response';
import { buildCheckRequest, planRequestBody, type DownstreamRequest } from './build-check-request';
import { addHeader, hasHeader, headerValues, mergeHeaders, setHeader, type HeaderList } from './header-list';
import type { EmulatorOptions, EmulatorRoute, EnvoyEmulator, IncomingRequestInfo } from './types';
import { createExtProcClient, type ExtProcSettings } from './ext-proc';
import { runExtProc } from './ext-proc-filter';

export const EXT_AUTHZ_NAMESPACE = 'envoy.filters.http.ext_authz';
export const FAILURE_MODE_ALLOWED_HEADER = 'x-envoy-auth-failure-mode-allowed';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'upgrade', 'trailer']);

interface EmulatorState {
  nextStreamId: bigint;
  lastCheck: CheckRequest | undefined;
  lastMetadata: Record<string, unknown> | undefined;
}

interface Resolved {
  readonly options: EmulatorOptions;
  readonly client: AuthorizationClient;
  readonly state: EmulatorState;
  readonly upstream: URL;
  readonly extProc?: { readonly settings: ExtProcSettings; readonly client: ReturnType<typeof createExtProcClient> };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function flatten(list: HeaderList): string[] {
  return list.flatMap(([n, v]) => [n, v]);
}

/** Envoy's local reply: text/plain when there is a body, then `decorate` (e.g. the denied headers). */
function sendLocalReply(res: http.ServerResponse, status: number, body: string, decorate: (list: HeaderList) => void = () => undefined): void {
  const list: HeaderList = body === '' ? [] : [['content-type', 'text/plain']];
  decorate(list);
  const bytes = Buffer.from(body, 'utf8');
  setHeader(list, 'content-length', String(bytes.length));
  res.writeHead(status, flatten(list));
  res.end(bytes);
}

/** The connection manager's view of the request: pseudo-headers, `host` as `:authority`, x-request-id. */
function downstreamHeaders(req: http.IncomingMessage): { list: HeaderList; authority: string } {
  const raw: HeaderList = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) raw.push([(req.rawHeaders[i] ?? '').toLowerCase(), req.rawHeaders[i + 1] ?? '']);
  const authority = raw.find(([n]) => n === 'host')?.[1] ?? '';
  const list: HeaderList = [
    [':authority', authority],
    [':path', req.url ?? '/'],
    [':method', req.method ?? 'GET'],
    [':scheme', 'http'],
    ...raw.filter(([n]) => n !== 'host'),
  ];
  setHeader(list, 'x-forwarded-proto', 'http');
  if (!hasHeader(list, 'x-request-id')) addHeader(list, 'x-request-id', randomUUID());
  return { list, authority };
}

function hasRequestBody(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function matchRoute(routes: readonly EmulatorRoute[], path: string): EmulatorRoute | undefined {
  return routes.find((r) => path.startsWith(r.prefix));
}

function callCheck(r: Resolved, request: CheckRequest): Promise<CheckResponse__Output> {
  const deadline = new Date(Date.now() + (r.options.timeoutMs ?? 200));
  return new Promise((resolve, reject) => {
    r.client.Check(request, { deadline }, (err, response) => {
      if (err !== null || response === undefined) reject(err ?? new Error('empty Check answer'));
      else resolve(response);
    });
  });
}

/** The router: forwards the (mutated) header list, taking `:path` and `:authority` from it, and the whole body. */
/** A filter on the response path (ext_proc): the final status, headers and body, or a local reply. */
export type ResponseFilter = (status: number, list: HeaderList, body: Buffer) => Promise<{ kind: 'send'; list: HeaderList; body: Buffer } | { kind: 'local'; status: number; body: string }>;

function proxy(r: Resolved, res: http.ServerResponse, down: DownstreamRequest, headers: HeaderList, responseHeaders: (list: HeaderList) => void, filter?: ResponseFilter): void {
  const path = headerValues(headers, ':path')[0];
  const authority = headerValues(headers, ':authority')[0];
  if (path === undefined || authority === undefined) return sendLocalReply(res, 500, 'emulator: pseudo-header lost');
  const outgoing: Record<string, string | string[]> = {};
  for (const [name, value] of headers) {
    if (name.startsWith(':') || HOP_BY_HOP.has(name) || name === 'content-length') continue;
    const prev = outgoing[name];
    outgoing[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  outgoing.host = authority;
  if (down.hasBody) outgoing['content-length'] = String(down.body.length);
  const upstreamReq = http.request(
    { host: r.upstream.hostname, port: r.upstream.port, method: down.method, path, headers: outgoing },
    (upstreamRes) => {
      const list: HeaderList = [];
      for (let i = 0; i + 1 < upstreamRes.rawHeaders.length; i += 2) {
        const name = (upstreamRes.rawHeaders[i] ?? '').toLowerCase();
        if (!HOP_BY_HOP.has(name)) list.push([name, upstreamRes.rawHeaders[i + 1] ?? '']);
      }
      responseHeaders(list);
      readBody(upstreamRes).then(
        async (upstreamBody) => {
          const status = upstreamRes.statusCode ?? 502;
          const filtered = filter === undefined ? { kind: 'send' as const, list, body: upstreamBody } : await filter(status, list, upstreamBody);
          if (filtered.kind === 'local') return sendLocalReply(res, filtered.status, filtered.body);
          setHeader(filtered.list, 'content-length', String(filtered.body.length));
          res.writeHead(status, flatten(filtered.list));
          res.end(filtered.body);
        },
        () => sendLocalReply(res, 503, 'upstream reset'),
      );
    },
  );
  upstreamReq.on('error', () => sendLocalReply(res, 503, 'upstream connect error'));
  upstreamReq.end(down.hasBody ? down.body : undefined);
}

function applyVerdict(r: Resolved, res: http.ServerResponse, down: DownstreamRequest, verdict: CheckVerdict, startedAt: number): void {
  if (verdict.kind === 'denied') {
    r.state.lastMetadata = verdict.metadata;
    sendLocalReply(res, verdict.status, verdict.body, (list) => applyDeniedHeaders(list, verdict.headers));
    return;
  }
  r.state.lastMetadata = verdict.metadata === undefined ? undefined : { ...verdict.metadata, ext_authz_duration: Date.now() - startedAt };
  const headers: HeaderList = down.headers.map(([n, v]) => [n, v]);
  const path = applyOkResponse(headers, headerValues(headers, ':path')[0] ?? down.path, verdict.ok, r.options.headerAppendSemantics ?? 'v1.36');
  if (hasHeader(headers, ':path')) setHeader(headers, ':path', path);
  const toAdd = verdict.ok?.response_headers_to_add ?? [];
  const addHeaders = (list: HeaderList): void => toAdd.forEach((option) => applyResponseHeaderOption(list, option));
  if (r.extProc === undefined) return proxy(r, res, down, headers, addHeaders);
  runExtProc(r.extProc, down, headers, r.state.lastMetadata).then(
    (outcome) => {
      if (outcome.kind === 'local') return sendLocalReply(res, outcome.status, outcome.body);
      proxy(r, res, outcome.down, outcome.headers, addHeaders, outcome.responseFilter);
    },
    () => sendLocalReply(res, r.extProc?.settings.statusOnError ?? 500, ''),
  );
}

async function handle(r: Resolved, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const startTime = new Date();
  const { list, authority } = downstreamHeaders(req);
  const body = await readBody(req);
  const streamId = (r.state.nextStreamId++).toString();
  const down: DownstreamRequest = {
    streamId, startTime, method: req.method ?? 'GET', path: req.url ?? '/', authority, scheme: 'http',
    protocol: `HTTP/${req.httpVersion}`, headers: list, hasBody: hasRequestBody(req), body,
    remote: { address: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 },
    local: { address: req.socket.localAddress ?? '', port: req.socket.localPort ?? 0 },
  };
  const route = matchRoute(r.options.routes, down.path);
  if (route === undefined) return sendLocalReply(res, 404, '');
  const noMutation = (): void => undefined;
  if (route.disabled === true) return proxy(r, res, down, down.headers, noMutation);
  const settings = r.options.withRequestBody ?? null;
  const plan = planRequestBody(settings, down);
  if (plan.kind === 'too-large') return sendLocalReply(res, 413, 'Payload Too Large');
  const info: IncomingRequestInfo = {
    method: down.method, path: down.path, headers: mergeHeaders(down.headers), remoteAddress: down.remote.address, remotePort: down.remote.port,
  };
  const check = buildCheckRequest({
    request: down, body: plan, packAsBytes: settings?.packAsBytes ?? false, encodeRawHeaders: r.options.encodeRawHeaders ?? false,
    contextExtensions: route.contextExtensions, metadataContext: r.options.metadataContext?.(info),
  });
  r.state.lastCheck = check;
  r.state.lastMetadata = undefined;
  const startedAt = Date.now();
  let response: CheckResponse__Output;
  try {
    response = await callCheck(r, check);
  } catch {
    if (r.options.failureModeAllow !== true) return sendLocalReply(res, r.options.statusOnError ?? 403, '');
    const headers: HeaderList = down.headers.map(([n, v]) => [n, v]);
    setHeader(headers, FAILURE_MODE_ALLOWED_HEADER, 'true');
    return proxy(r, res, down, headers, noMutation);
  }
  applyVerdict(r, res, down, classifyCheckResponse(response), startedAt);
}

export async function startEnvoyEmulator(options: EmulatorOptions): Promise<EnvoyEmulator> {
  const proto = loadAuthProto();
  const client = new proto.envoy.service.auth.v3.Authorization(options.authzAddress, grpc.credentials.createInsecure());
  const extProc = options.extProc === undefined ? undefined : { settings: options.extProc, client: createExtProcClient(options.extProc) };
  const r: Resolved = { options, client, state: { nextStreamId: 1n, lastCheck: undefined, lastMetadata: undefined }, upstream: new URL(options.upstream), extProc };
  const server = http.createServer((req, res) => {
    handle(r, req, res).catch(() => {
      if (!res.headersSent) sendLocalReply(res, 500, 'emulator error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    lastCheckRequest: () => r.state.lastCheck,
    lastDynamicMetadata: () => r.state.lastMetadata,
    close: () =>
      new Promise<void>((resolve) => {
        client.close();
        extProc?.client.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
