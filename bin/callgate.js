#!/usr/bin/env node
'use strict';
// Node 20's V8 aborts the process under sustained load ("Fatal error ... unreachable code" in
// Deoptimizer::DoComputeBuiltinContinuation), reproduced with `bench/` load within minutes. Turning off
// TurboFan inlining before any code is optimized avoids it (see bench/README.md, "Stability").
require('node:v8').setFlagsFromString('--no-turbo-inlining');
require('../dist/cli/main.js').runCli(process.argv.slice(2));
