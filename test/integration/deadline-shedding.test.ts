/** A Check whose gRPC deadline has passed before evaluation is answered at once with a 503 deny. */
import http2 from 'node:http2';
import path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import { envoyIncludeDirs, PROTO_LOADER_OPTIONS } from '../../src/envoy/protos';
import { startApp, type RunningApp } from '../support/app-harness';
import { envoyCheckRequest } from '../support/check-client';

const def = protoLoader.loadSync('envoy/service/auth/v3/external_auth.proto', { ...PROTO_LOADER_OPTIONS, includeDirs: envoyIncludeDirs() });
const check = def['envoy.service.auth.v3.Authorization'] as protoLoader.ServiceDefinition;
const method = check.Check!;

function callWithTimeout(address: string, request: object, grpcTimeout: string): Promise<{ status: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const client = http2.connect(`http://${address}`);
    const message = method.requestSerialize(request);
    const frame = Buffer.alloc(5 + message.length);
    frame.writeUInt32BE(message.length, 1);
    message.copy(frame, 5);
    const stream = client.request({ ':method': 'POST', ':path': method.path, 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': grpcTimeout });
    const chunks: Buffer[] = [];
    let status: string | undefined;
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('trailers', (t) => (status = String(t['grpc-status'])));
    stream.on('end', () => {
      client.close();
      resolve({ status, body: Buffer.concat(chunks) });
    });
    stream.on('error', reject);
    stream.end(frame);
  });
}

describe('deadline shedding', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ policies: path.join(__dirname, '../../policies') });
  });
  afterAll(() => running.close());

  it('answers an expired Check with an explicit 503 deny and counts it; a live one is evaluated', async () => {
    const request = envoyCheckRequest({ path: '/functions/payments.get', body: '{"paymentId":"p"}', contextExtensions: { protocol: 'http', server: 'payments', path: '/functions/{function}' } });
    const expired = await callWithTimeout(running.grpc, request, '1n');
    // grpc-js may end an expired call itself (DEADLINE_EXCEEDED) or deliver our answer: never an allow.
    if (expired.status === '0') {
      const res = method.responseDeserialize(expired.body.subarray(5)) as { status: { code: number }; denied_response: { status: { code: string } } };
      expect(res.status.code).not.toBe(0);
      expect(res.denied_response.status.code).toBe('ServiceUnavailable');
    } else {
      expect(expired.status).toBe('4');
    }
    const metrics = await (await fetch(`http://${running.http}/metrics`)).text();
    expect(metrics).toMatch(/callgate_authz_decisions_total\{decision="deny",reason="ERR_SERVICE_OVERLOADED"\} 1/);

    const live = await callWithTimeout(running.grpc, request, '5S');
    expect(live.status).toBe('0');
    const res = method.responseDeserialize(live.body.subarray(5)) as { denied_response: { body: string } };
    expect(JSON.parse(res.denied_response.body).code).toBe('ERR_POLICY_UNAUTHENTICATED');
  });
});
