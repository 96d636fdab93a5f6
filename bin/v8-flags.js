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
 *
 * --wasm-tiering-budget=60000000 (V8's default is 1,800,000): how much a Wasm function runs in the baseline
 * tier (Liftoff) before V8 recompiles it with TurboFan on a background thread. cedar-wasm's first preparse
 * and first authorization run once-only setup long enough to cross the default budget, so every start queued
 * ~400 ms of TurboFan compiling (mostly two ~55 KB functions, ~140-220 ms each) of code that does not run
 * again, and on one core that compiling ran before /readyz and beside the first Checks. With this budget the
 * setup stays in Liftoff and only what the Checks keep running tiers up; the CPU per decision once warm is
 * unchanged (bench/README.md, "Wasm tier-up budget").
 */
const V8_FLAGS = Object.freeze(['--no-turbo-inline-js-wasm-calls', '--wasm-tiering-budget=60000000']);

function applyV8Flags() {
  const v8 = require('node:v8');
  for (const flag of V8_FLAGS) v8.setFlagsFromString(flag);
}

module.exports = { V8_FLAGS, applyV8Flags };
