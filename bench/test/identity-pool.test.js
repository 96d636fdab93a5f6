'use strict';
// The identity bench's token pool: same calls as the metadata pool, a bearer token instead of jwt_authn.
const protoLoader = require('@grpc/proto-loader');
const { encodeRequestPool } = require('../lib/check-requests');
const { AUTH_PROTO, resolveIncludeDirs } = require('../lib/envoy-protos');
const { splitFrames } = require('../lib/grpc-frame');

function loadServerSideDecoder() {
  const def = protoLoader.loadSync(AUTH_PROTO, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: resolveIncludeDirs() });
  return def['envoy.service.auth.v3.Authorization'].Check.requestDeserialize;
}

describe('request pool with bearer tokens', () => {
  it('carries authorization instead of jwt_authn metadata, for the same calls', () => {
    const plain = encodeRequestPool({ count: 50 });
    const withTokens = encodeRequestPool({ count: 50, bearerFor: (call, i) => `tok-${i}-${call.user}` });
    expect(withTokens.calls).toEqual(plain.calls);
    const request = loadServerSideDecoder()(splitFrames(withTokens.frames[7])[0]);
    expect(request.attributes.request.http.headers.authorization).toBe(`Bearer tok-7-${plain.calls[7].user}`);
    expect(request.attributes.metadata_context?.filter_metadata ?? {}).toEqual({});
  });
});
