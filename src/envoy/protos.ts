/**
 * Loads Envoy's API protos from the installed @grpc/grpc-js-xds package (its deps/ folder), so no
 * third-party proto is copied into this repository.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import type { ProtoGrpcType as AuthProto } from '../generated/external_auth';
import type { ProtoGrpcType as ExtProcProto } from '../generated/external_processor';

export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** Directory holding Envoy's, xDS's, googleapis' and PGV's protos inside @grpc/grpc-js-xds. */
export function envoyProtoRoot(): string {
  return path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
}

export function envoyIncludeDirs(): string[] {
  const root = envoyProtoRoot();
  return ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(root, d));
}

function loadGrpc<T>(file: string): T {
  const def = protoLoader.loadSync(file, { ...PROTO_LOADER_OPTIONS, includeDirs: envoyIncludeDirs() });
  return grpc.loadPackageDefinition(def) as unknown as T;
}

let authProto: AuthProto | undefined;
let extProcProto: ExtProcProto | undefined;

/** envoy.service.auth.v3 (Authorization/Check). Loaded once per process: the definition is immutable. */
export function loadAuthProto(): AuthProto {
  authProto ??= loadGrpc<AuthProto>('envoy/service/auth/v3/external_auth.proto');
  return authProto;
}

/** envoy.service.ext_proc.v3 (ExternalProcessor/Process). */
export function loadExtProcProto(): ExtProcProto {
  extProcProto ??= loadGrpc<ExtProcProto>('envoy/service/ext_proc/v3/external_processor.proto');
  return extProcProto;
}

/** The Check messages as protobufjs types, for the server's own (de)serializers (check-codec.ts). */
export interface CheckMessageTypes {
  readonly CheckRequest: protobuf.Type;
  readonly CheckResponse: protobuf.Type;
}

/**
 * envoy.service.auth.v3 and envoy.service.ext_proc.v3 in one protobufjs Root, with the same files and field
 * names (`keepCase`) as loadAuthProto / loadExtProcProto; google/protobuf/*.proto come from protobufjs (bundled
 * or its own files). The files both import are parsed once. The server builds its services from this root
 * (transport/grpc/method-definition.ts), never from proto-loader, whose package definitions convert every
 * loaded message into a descriptor: ~340 ms for the two services vs ~65 ms for this root, in process.
 */
export function loadEnvoyServiceRoot(): protobuf.Root {
  const includeDirs = [...envoyIncludeDirs(), path.dirname(require.resolve('protobufjs/package.json'))];
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => includeDirs.map((dir) => path.join(dir, target)).find((file) => existsSync(file)) ?? target;
  root.loadSync(['envoy/service/auth/v3/external_auth.proto', 'envoy/service/ext_proc/v3/external_processor.proto'], { keepCase: true });
  root.resolveAll();
  return root;
}

/** The Check messages of `root` (by default a freshly loaded loadEnvoyServiceRoot()). */
export function loadCheckMessageTypes(root: protobuf.Root = loadEnvoyServiceRoot()): CheckMessageTypes {
  return { CheckRequest: root.lookupType('envoy.service.auth.v3.CheckRequest'), CheckResponse: root.lookupType('envoy.service.auth.v3.CheckResponse') };
}
