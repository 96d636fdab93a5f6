'use strict';
/**
 * V8 flags callgate sets on itself before any of its code runs (flags are process-wide, so the policy
 * workers get them too).
 *
 * --no-turbo-inline-js-wasm-calls: Node 20's V8 aborts the process ("Fatal error in , line 0 /
 * unreachable code", in Deoptimizer::DoComputeBuiltinContinuation) when TurboFan has inlined a JS -> Wasm
 * call whose result is a Wasm reference (cedar-wasm's calls return externref) and the caller is lazily
 * deoptimized while the Wasm call runs: that V8's deoptimizer cannot rebuild a reference result.
 * test/fixtures/v8/js-wasm-lazy-deopt.js reproduces it in under a second; with this flag JS -> Wasm calls
 * are not inlined and the rest of TurboFan's inlining stays on. (Until 2026-11-25 callgate turned all
 * inlining off, --no-turbo-inlining, which cost ~6-20 % more CPU per decision; see bench/README.md
 * "Stability".)
 */
const V8_FLAGS = Object.freeze(['--no-turbo-inline-js-wasm-calls']);

function applyV8Flags() {
  const v8 = require('node:v8');
  for (const flag of V8_FLAGS) v8.setFlagsFromString(flag);
}

module.exports = { V8_FLAGS, applyV8Flags };
