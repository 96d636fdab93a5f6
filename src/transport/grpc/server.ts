/**
 * The gRPC server: envoy.service.auth.v3.Authorization/Check and grpc.health.v1.Health on one port.
 * bind() resolves with the bound address (":0" picks a free port); shutdown drains with a deadline, then forces.
 */
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { CheckRequestView } from '../../envoy/check-request';
import type { CheckResponse } from '../../generated/envoy/service/auth/v3/CheckResponse';
import { unaryHandler, type CallInfo } from './unary';
import { checkServiceDefinition } from './check-codec';
import { loadEnvoyServiceRoot } from '../../envoy/protos';
import { methodDefinitionOf, objectCodecOf } from './method-definition';
import type { ProcessingRequest__Output } from '../../generated/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse } from '../../generated/envoy/service/ext_proc/v3/ProcessingResponse';
import { processHandler, type ProcessHandlerDeps } from './process-handler';

export interface GrpcServerOptions {
  readonly check: (request: CheckRequestView, info: CallInfo) => CheckResponse | Promise<CheckResponse>;
  readonly onCheckError: (err: unknown) => CheckResponse;
  /** Largest request message accepted: must exceed Envoy's max_request_bytes plus headers. */
  readonly maxReceiveMessageBytes: number;
  /** envoy.service.ext_proc.v3.ExternalProcessor/Process on the same port, when masking is wired. */
  readonly process?: ProcessHandlerDeps;
}

export type ServingStatus = 'SERVING' | 'NOT_SERVING';

export interface GrpcServer {
  bind(address: string): Promise<string>;
  setServing(status: ServingStatus): void;
  /** Stops accepting, waits up to `deadlineMs` for in-flight calls, then forces. */
  shutdown(deadlineMs: number): Promise<void>;
}

/** The service names health reports: "" (the whole server) and the Authorization service. */
export const HEALTH_SERVICES = ['', 'envoy.service.auth.v3.Authorization'];

export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes,
    'grpc.keepalive_permit_without_calls': 1,
  });
  const root = loadEnvoyServiceRoot();
  server.addService(checkServiceDefinition(root), {
    Check: unaryHandler<CheckRequestView, CheckResponse>(options.check, options.onCheckError),
  });
  if (options.process !== undefined) {
    const codec = objectCodecOf<ProcessingRequest__Output, ProcessingResponse>(root, 'envoy.service.ext_proc.v3.ProcessingRequest', 'envoy.service.ext_proc.v3.ProcessingResponse');
    const process = methodDefinitionOf(root, 'envoy.service.ext_proc.v3.ExternalProcessor', 'Process', codec);
    server.addService({ Process: process }, { Process: processHandler(options.process) });
  }
  const health = new HealthImplementation(Object.fromEntries(HEALTH_SERVICES.map((s) => [s, 'NOT_SERVING'])));
  health.addToServer(server);

  return {
    bind(address) {
      return new Promise((resolve, reject) => {
        server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => {
          if (err) reject(err);
          else resolve(address.replace(/:\d+$/, `:${port}`));
        });
      });
    },
    setServing(status) {
      for (const s of HEALTH_SERVICES) health.setStatus(s, status);
    },
    shutdown(deadlineMs) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, deadlineMs);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
