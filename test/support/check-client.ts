/** A grpc-js client for Authorization/Check and grpc.health.v1.Health, for integration tests. */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { loadAuthProto } from '../../src/envoy/protos';
import type { CheckRequest } from '../../src/generated/envoy/service/auth/v3/CheckRequest';
import type { CheckResponse__Output } from '../../src/generated/envoy/service/auth/v3/CheckResponse';

export interface CheckClient {
  check(request: CheckRequest): Promise<CheckResponse__Output>;
  health(service: string): Promise<string>;
  close(): void;
}

export function connectCheckClient(address: string): CheckClient {
  const Authorization = loadAuthProto().envoy.service.auth.v3.Authorization;
  const client = new Authorization(address, grpc.credentials.createInsecure());
  const healthPkg = grpc.loadPackageDefinition(protoLoader.loadSync(healthProtoPath, { enums: String })) as unknown as {
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  const health = new healthPkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
  return {
    check: (request) =>
      new Promise((resolve, reject) => {
        client.Check(request, { deadline: Date.now() + 5000 }, (err, res) => (err || !res ? reject(err ?? new Error('no response')) : resolve(res)));
      }),
    health: (service) =>
      new Promise((resolve, reject) => {
        (health as unknown as { Check(r: object, cb: (e: grpc.ServiceError | null, r?: { status: string }) => void): void }).Check({ service }, (err, res) =>
          err || !res ? reject(err ?? new Error('no response')) : resolve(String(res.status)),
        );
      }),
    close: () => {
      client.close();
      health.close();
    },
  };
}

/** A CheckRequest shaped like Envoy's (headers map with pseudo-headers, raw_body, context_extensions). */
export function envoyCheckRequest(opts: {
  method?: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  contextExtensions?: Record<string, string>;
  jwtPayload?: Record<string, unknown>;
}): CheckRequest {
  const body = typeof opts.body === 'string' ? Buffer.from(opts.body) : opts.body;
  const method = opts.method ?? (body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = {
    ':method': method, ':path': opts.path, ':authority': 'api.local', ':scheme': 'http', 'x-request-id': 'req-test',
    ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(body.length) }),
    ...opts.headers,
  };
  return {
    attributes: {
      source: { address: { socket_address: { address: '127.0.0.1', port_value: 40000 } } },
      request: { http: { id: '1', method, path: opts.path, host: 'api.local', scheme: 'http', protocol: 'HTTP/1.1', headers, raw_body: body } },
      context_extensions: opts.contextExtensions ?? {},
      metadata_context: opts.jwtPayload === undefined ? undefined : {
        filter_metadata: { 'envoy.filters.http.jwt_authn': { fields: { jwt_payload: toValue(opts.jwtPayload) } } },
      },
    },
  };
}

function toValue(v: unknown): object {
  if (v === null) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  return { structValue: { fields: Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, toValue(x)])) } };
}
