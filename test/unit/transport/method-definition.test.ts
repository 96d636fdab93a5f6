/**
 * The server's service definitions, built from one protobufjs Root, against proto-loader's (what they
 * replace): same paths and streaming flags, and for ExternalProcessor/Process the same objects decoded from
 * the same bytes and the same bytes encoded from the same objects.
 */
import { loadAuthProto, loadEnvoyServiceRoot, loadExtProcProto } from '../../../src/envoy/protos';
import { methodDefinitionOf, objectCodecOf } from '../../../src/transport/grpc/method-definition';
import { checkServiceDefinition } from '../../../src/transport/grpc/check-codec';

const root = loadEnvoyServiceRoot();
const legacyProcess = loadExtProcProto().envoy.service.ext_proc.v3.ExternalProcessor.service.Process;
const legacyCheck = loadAuthProto().envoy.service.auth.v3.Authorization.service.Check;
const process = methodDefinitionOf(root, 'envoy.service.ext_proc.v3.ExternalProcessor', 'Process', objectCodecOf(root, 'envoy.service.ext_proc.v3.ProcessingRequest', 'envoy.service.ext_proc.v3.ProcessingResponse'));

const struct = (fields: Record<string, unknown>): unknown => ({
  fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? { stringValue: v } : { listValue: { values: (v as string[]).map((s) => ({ stringValue: s })) } }])),
});

const requests: [string, Record<string, unknown>][] = [
  ['request headers with forwarded metadata', {
    request_headers: { headers: { headers: [{ key: ':path', raw_value: Buffer.from('/mcp') }, { key: 'content-type', raw_value: Buffer.from('application/json') }] }, end_of_stream: false },
    metadata_context: { filter_metadata: { 'envoy.filters.http.ext_authz': struct({ decision_id: 'd-1', mask: ['pan', 'email'] }) } },
  }],
  ['request body', { request_body: { body: Buffer.from('{"jsonrpc":"2.0","id":1}'), end_of_stream: true } }],
  ['response headers', { response_headers: { headers: { headers: [{ key: ':status', raw_value: Buffer.from('200') }] }, end_of_stream: false } }],
  ['streamed response body chunk', { response_body: { body: Buffer.from('data: {"a":1}\n\n'), end_of_stream: false } }],
  ['empty message', {}],
];

const responses: [string, Record<string, unknown>][] = [
  ['continue with header mutation and mode override', {
    request_headers: { response: { status: 'CONTINUE', header_mutation: { set_headers: [{ header: { key: 'accept-encoding', raw_value: Buffer.from('identity') }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }], remove_headers: ['content-length'] } } },
    mode_override: { request_body_mode: 'BUFFERED', response_body_mode: 'STREAMED' },
  }],
  ['body replaced', { response_body: { response: { status: 'CONTINUE', body_mutation: { body: Buffer.from('{"masked":true}') } } } }],
  ['immediate response', { immediate_response: { status: { code: 'InternalServerError' }, body: Buffer.from('masking failed'), details: 'callgate_mask_failed' } }],
];

describe('service definitions from one protobufjs Root', () => {
  it('Check and Process have proto-loader paths, streaming flags and original names', () => {
    const check = checkServiceDefinition(root).Check;
    for (const [mine, theirs] of [[check, legacyCheck], [process, legacyProcess]] as const) {
      expect({ path: mine?.path, requestStream: mine?.requestStream, responseStream: mine?.responseStream, originalName: mine?.originalName }).toEqual({
        path: theirs.path, requestStream: theirs.requestStream, responseStream: theirs.responseStream, originalName: theirs.originalName,
      });
    }
  });

  it.each(requests)('a ProcessingRequest (%s) decodes to the objects proto-loader gives', (_name, message) => {
    const bytes = legacyProcess.requestSerialize(message as never);
    expect(process.requestDeserialize(bytes)).toEqual(legacyProcess.requestDeserialize(bytes));
    const decoded = legacyProcess.requestDeserialize(bytes);
    expect(process.requestSerialize(decoded as never)).toEqual(legacyProcess.requestSerialize(decoded));
  });

  it.each(responses)('a ProcessingResponse (%s) encodes to the bytes proto-loader gives', (_name, message) => {
    const bytes = process.responseSerialize(message as never);
    expect(bytes).toEqual(legacyProcess.responseSerialize(message as never));
    expect(process.responseDeserialize(bytes)).toEqual(legacyProcess.responseDeserialize(bytes));
  });

  it('refuses to serialize what is not a message object', () => {
    expect(() => process.responseSerialize([] as never)).toThrow(/expected an object/);
  });
});
