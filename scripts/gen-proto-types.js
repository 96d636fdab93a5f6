#!/usr/bin/env node
// Generates TypeScript types for the Envoy protos callgate serves, from the copies shipped in the
// installed @grpc/grpc-js-xds package (deps/). Output goes to src/generated (git-ignored): the protos
// are third-party, so neither they nor code derived from them is committed.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');

const root = path.join(__dirname, '..');
const deps = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const includeDirs = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(deps, d));
const files = ['envoy/service/auth/v3/external_auth.proto', 'envoy/service/ext_proc/v3/external_processor.proto'];
const out = path.join(root, 'src', 'generated');
fs.rmSync(out, { recursive: true, force: true });
const bin = path.join(path.dirname(require.resolve('@grpc/proto-loader/package.json')), 'build', 'bin', 'proto-loader-gen-types.js');
execFileSync(process.execPath, [
  bin, '--keepCase', '--longs=String', '--enums=String', '--defaults', '--oneofs', '--grpcLib=@grpc/grpc-js',
  ...files, '--outDir', out, ...includeDirs.flatMap((d) => ['-I', d]),
], { stdio: 'inherit' });
