/**
 * grpc-js method definitions built straight from a protobufjs Root (envoy/protos.ts loadEnvoyServiceRoot), so
 * the server never builds proto-loader package definitions: those convert every message of every loaded file
 * into a descriptor, ~5x the cost of parsing the files, at each start. Paths and streaming flags are read from
 * the service as the .proto files declare it; the (de)serializers are the caller's.
 */
import type * as grpc from '@grpc/grpc-js';
import type * as protobuf from 'protobufjs';

export interface MethodCodec<Req, Res> {
  readonly requestSerialize: (value: Req) => Buffer;
  readonly requestDeserialize: (bytes: Buffer) => Req;
  readonly responseSerialize: (value: Res) => Buffer;
  readonly responseDeserialize: (bytes: Buffer) => Res;
}

/** `/<package.Service>/<Method>` of `serviceName` in `root`, with the codec's (de)serializers. */
export function methodDefinitionOf<Req, Res>(root: protobuf.Root, serviceName: string, methodName: string, codec: MethodCodec<Req, Res>): grpc.MethodDefinition<Req, Res> {
  const method = root.lookupService(serviceName).methods[methodName];
  if (method === undefined) throw new Error(`${serviceName} has no method ${methodName}`);
  return {
    path: `/${serviceName}/${methodName}`,
    requestStream: method.requestStream === true,
    responseStream: method.responseStream === true,
    originalName: methodName.charAt(0).toLowerCase() + methodName.slice(1),
    ...codec,
  };
}

/** How messages become plain objects: as proto-loader's options in envoy/protos.ts (strings for longs and enums, defaults, oneofs). */
export const OBJECT_CONVERSION: protobuf.IConversionOptions = { longs: String, enums: String, defaults: true, oneofs: true };

/**
 * A codec between bytes and plain objects for `requestType` → `responseType`, the objects the handlers get and
 * give with proto-loader (test/unit/transport/method-definition.test.ts compares both).
 */
export function objectCodecOf<Req, Res>(root: protobuf.Root, requestType: string, responseType: string): MethodCodec<Req, Res> {
  const request = root.lookupType(requestType);
  const response = root.lookupType(responseType);
  const serialize = (type: protobuf.Type) => (value: unknown): Buffer => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`cannot serialize a ${type.name}: expected an object`);
    return toBuffer(type.encode(type.fromObject(value as Record<string, unknown>)).finish());
  };
  return {
    requestSerialize: serialize(request),
    requestDeserialize: (bytes) => request.toObject(request.decode(bytes), OBJECT_CONVERSION) as Req,
    responseSerialize: serialize(response),
    responseDeserialize: (bytes) => response.toObject(response.decode(bytes), OBJECT_CONVERSION) as Res,
  };
}

/** protobufjs' `finish()` output as a Buffer (it already is one under Node; copied only if not). */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
