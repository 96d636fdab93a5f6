/**
 * The Check method's own wire codec, replacing proto-loader's (which converts the whole request with
 * `toObject({defaults: true})` and runs every response through `fromObject` before encoding):
 * - a request is decoded once by protobufjs and handed over as the decoded message: fields callgate never
 *   reads are never converted, unset ones read their defaults from the message prototype
 *   (CheckRequestView says what the pipeline reads);
 * - a response is encoded directly: check-response.ts builds messages protobufjs' encoder takes as they
 *   are (enums as numbers, wrappers and Struct values as plain objects). test/unit/transport/check-codec.test.ts
 *   proves the bytes equal proto-loader's for every response shape.
 */
import type * as grpc from '@grpc/grpc-js';
import type { CheckRequestView } from '../../envoy/check-request';
import type * as protobuf from 'protobufjs';
import { loadCheckMessageTypes, loadEnvoyServiceRoot, type CheckMessageTypes } from '../../envoy/protos';
import { methodDefinitionOf, objectCodecOf, toBuffer } from './method-definition';
import type { CheckResponse } from '../../generated/envoy/service/auth/v3/CheckResponse';

export interface CheckCodec {
  decodeRequest(bytes: Buffer): CheckRequestView;
  encodeResponse(response: CheckResponse): Buffer;
}

export function createCheckCodec(types: CheckMessageTypes = loadCheckMessageTypes()): CheckCodec {
  const { CheckRequest, CheckResponse: Response } = types;
  return {
    // A decoded message has every field CheckRequestView names, with protobufjs' defaults when unset.
    decodeRequest: (bytes) => CheckRequest.decode(bytes) as unknown as CheckRequestView,
    encodeResponse: (response) => toBuffer(Response.encode(response).finish()),
  };
}

/** envoy.service.auth.v3.Authorization with Check (de)serialized by `codec`; path and names as proto-loader's. */
export function checkServiceDefinition(root: protobuf.Root = loadEnvoyServiceRoot(), codec: CheckCodec = createCheckCodec(loadCheckMessageTypes(root))): grpc.ServiceDefinition {
  const objects = objectCodecOf<CheckRequestView, CheckResponse>(root, 'envoy.service.auth.v3.CheckRequest', 'envoy.service.auth.v3.CheckResponse');
  const check = methodDefinitionOf(root, 'envoy.service.auth.v3.Authorization', 'Check', { ...objects, requestDeserialize: codec.decodeRequest, responseSerialize: codec.encodeResponse });
  return { Check: check };
}
