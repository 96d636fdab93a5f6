/**
 * The emulator's ext_proc filter against scripted processors: the envoy-semantics b.8 items about ext_proc
 * (13–18), so the end-to-end tests rely on Envoy's behaviour, not on a friendlier one.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { loadAuthProto, loadExtProcProto } from '../../../src/envoy/protos';
import { jsonToStruct, structToJson } from '../../../src/envoy/struct';
import type { ProcessingRequest__Output } from '../../../src/generated/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse } from '../../../src/generated/envoy/service/ext_proc/v3/ProcessingResponse';
import { startEnvoyEmulator, type EnvoyEmulator } from '../../support/envoy-emulator';

type Script = (req: ProcessingRequest__Output, call: grpc.ServerDuplexStream<ProcessingRequest__Output, ProcessingResponse>) => void;

const BODY = '{"card":"4111111111111111"}';
const MASKED = '{"card":"[REDACTED:pan]"}';
const raw = (key: string, value: string) => ({ header: { key, raw_value: Buffer.from(value) }, append: { value: false } });
const bufferResponse: ProcessingResponse = {
  request_headers: { response: { status: 'CONTINUE' } },
  mode_override: { response_header_mode: 'SEND', request_body_mode: 'NONE', response_body_mode: 'BUFFERED' },
};

let script: Script;
let seenMetadata: unknown[] = [];
let server: grpc.Server;
let upstream: http.Server;
let envoy: EnvoyEmulator;

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(loadAuthProto().envoy.service.auth.v3.Authorization.service, {
    Check: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
      cb(null, { status: { code: 0 }, ok_response: {}, dynamic_metadata: jsonToStruct({ decision_id: 'd-1', decision: 'allow' }) }),
  });
  server.addService(loadExtProcProto().envoy.service.ext_proc.v3.ExternalProcessor.service, {
    Process: (call: grpc.ServerDuplexStream<ProcessingRequest__Output, ProcessingResponse>) => {
      call.on('data', (req: ProcessingRequest__Output) => {
        seenMetadata.push(req.metadata_context?.filter_metadata['envoy.filters.http.ext_authz']);
        script(req, call);
      });
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  upstream = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) });
    res.end(BODY);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  envoy = await startEnvoyEmulator({
    authzAddress: `127.0.0.1:${port}`,
    upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    routes: [{ prefix: '/' }],
    timeoutMs: 2000,
    extProc: { address: `127.0.0.1:${port}`, messageTimeoutMs: 300, statusOnError: 500 },
  });
});

afterAll(async () => {
  await envoy.close();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  server.forceShutdown();
});

beforeEach(() => {
  seenMetadata = [];
});

/** A processor that buffers the response and answers its body with `bodyAnswer`. */
function buffering(bodyAnswer: (call: grpc.ServerDuplexStream<ProcessingRequest__Output, ProcessingResponse>) => void): Script {
  return (req, call) => {
    if (req.request === 'request_headers') call.write(bufferResponse);
    else if (req.request === 'response_headers') call.write({ response_headers: { response: { status: 'CONTINUE' } } });
    else if (req.request === 'response_body') bodyAnswer(call);
  };
}

const get = async (): Promise<{ status: number; body: string; headers: Headers }> => {
  const res = await fetch(`${envoy.url}/x`);
  return { status: res.status, body: await res.text(), headers: res.headers };
};

describe('ext_proc emulation (envoy-semantics b.6, b.8)', () => {
  it('forwards the ext_authz metadata on every message (b.8 #12)', async () => {
    script = buffering((call) => call.write({ response_body: { response: { status: 'CONTINUE' } } }));
    expect((await get()).status).toBe(200);
    expect(seenMetadata).toHaveLength(3);
    for (const m of seenMetadata) expect(structToJson(m as never)).toMatchObject({ decision_id: 'd-1', decision: 'allow' });
  });

  it('a changed BUFFERED body without a matching content-length → status_on_error; with it → passes (b.8 #13)', async () => {
    script = buffering((call) => call.write({ response_body: { response: { status: 'CONTINUE', body_mutation: { body: Buffer.from(MASKED) } } } }));
    expect((await get()).status).toBe(500);
    script = buffering((call) =>
      call.write({ response_body: { response: { status: 'CONTINUE', header_mutation: { set_headers: [raw('content-length', String(MASKED.length))] }, body_mutation: { body: Buffer.from(MASKED) } } } }),
    );
    expect(await get()).toMatchObject({ status: 200, body: MASKED });
  });

  it('a clean close mid-request passes the unmasked body (b.8 #14: callgate must never do this)', async () => {
    script = buffering((call) => call.end());
    expect(await get()).toMatchObject({ status: 200, body: BODY });
  });

  it('value-only header → empty header; value and raw_value both set → status_on_error (b.8 #15)', async () => {
    script = (req, call) => {
      if (req.request === 'request_headers') call.write({ request_headers: { response: { status: 'CONTINUE' } } });
      else call.write({ response_headers: { response: { status: 'CONTINUE', header_mutation: { set_headers: [{ header: { key: 'x-a', value: 'v' } }] } } } });
    };
    const only = await get();
    expect(only.status).toBe(200);
    expect(only.headers.get('x-a')).toBe('');
    script = (req, call) => {
      if (req.request === 'request_headers') call.write({ request_headers: { response: { status: 'CONTINUE' } } });
      else call.write({ response_headers: { response: { status: 'CONTINUE', header_mutation: { set_headers: [{ header: { key: 'x-a', value: 'v', raw_value: Buffer.from('w') } }] } } } });
    };
    expect((await get()).status).toBe(500);
  });

  it('ImmediateResponse without a status → 200 (b.8 #16)', async () => {
    script = (_req, call) => call.write({ immediate_response: { body: Buffer.from('stop') } });
    expect(await get()).toMatchObject({ status: 200, body: 'stop' });
  });

  it('message timeout → 504; gRPC error → status_on_error (b.8 #17)', async () => {
    script = () => undefined;
    expect((await get()).status).toBe(504);
    script = (_req, call) => call.emit('error', { code: grpc.status.INTERNAL, details: 'boom' });
    expect((await get()).status).toBe(500);
  });

  it('mode_override with unset body modes → bodies are not sent (b.8 #18)', async () => {
    const seen: string[] = [];
    script = (req, call) => {
      seen.push(String(req.request));
      if (req.request === 'request_headers') call.write({ request_headers: { response: { status: 'CONTINUE' } }, mode_override: { response_header_mode: 'SEND' } });
      else call.write({ response_headers: { response: { status: 'CONTINUE' } } });
    };
    expect(await get()).toMatchObject({ status: 200, body: BODY });
    expect(seen).toEqual(['request_headers', 'response_headers']);
  });
});
