'use strict';
/**
 * Envoy's API protos for the bench, read from the installed @grpc/grpc-js-xds package (its deps/ folder),
 * the same place callgate loads them from (src/envoy/protos.ts → dist/envoy/protos.js after a build).
 */
const fs = require('node:fs');
const path = require('node:path');
const protobuf = require('protobufjs');

const AUTH_PROTO = 'envoy/service/auth/v3/external_auth.proto';
const CHECK_PATH = '/envoy.service.auth.v3.Authorization/Check';

/** Include dirs: callgate's own envoyIncludeDirs() when built, else the same folders located directly. */
function resolveIncludeDirs() {
  const built = path.join(__dirname, '..', '..', 'dist', 'envoy', 'protos.js');
  if (fs.existsSync(built)) return require(built).envoyIncludeDirs();
  const root = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  return ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(root, d));
}

/** A protobufjs Root holding envoy.service.auth.v3 and its imports (field names as in the .proto files). */
function loadAuthRoot() {
  // protobufjs ships google/protobuf/descriptor.proto & co. as files; struct, any, ... are built in.
  const includeDirs = [...resolveIncludeDirs(), path.dirname(require.resolve('protobufjs/package.json'))];
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    for (const dir of includeDirs) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) return candidate;
    }
    return target; // a built-in well-known type (google/protobuf/struct.proto, ...)
  };
  root.loadSync(AUTH_PROTO, { keepCase: true });
  root.resolveAll();
  return root;
}

/** The message types the bench encodes and decodes. */
function loadAuthTypes() {
  const root = loadAuthRoot();
  return {
    CheckRequest: root.lookupType('envoy.service.auth.v3.CheckRequest'),
    CheckResponse: root.lookupType('envoy.service.auth.v3.CheckResponse'),
    Status: root.lookupType('google.rpc.Status'),
  };
}

module.exports = { AUTH_PROTO, CHECK_PATH, resolveIncludeDirs, loadAuthRoot, loadAuthTypes };
