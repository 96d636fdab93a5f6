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
 *
 * --interrupt-budget, the same idea for JavaScript, for the start only: how much a JS function runs before V8
 * considers it for TurboFan. The start runs much code once or for a few hundred milliseconds (loading modules,
 * reading the validation cache, interning and slicing the bundle), and under V8's default budget TurboFan
 * compiles a good part of it on a background thread, code that does not run again: ~110-130 ms of a one-core
 * start with 10,000 policies, 1.00 -> 0.89 s to ready (bench/README.md, "JS tier-up budget at start"). So the
 * start runs with a budget 16x V8's default, and `callgate serve` puts the default back once it serves
 * (applyServingV8Flags), so the Checks tier up as they always did. Only on the V8 line whose default is known
 * (Node 20's V8 11.3); on any other V8 the flag is left alone.
 */
const V8_FLAGS = Object.freeze(['--no-turbo-inline-js-wasm-calls', '--wasm-tiering-budget=60000000']);

/** V8's default --interrupt-budget by V8 line (major.minor), where it is known. */
const DEFAULT_INTERRUPT_BUDGET = Object.freeze({ '11.3': 67584 });
const START_BUDGET_FACTOR = 16;

function defaultInterruptBudget(v8Version = process.versions.v8) {
  return DEFAULT_INTERRUPT_BUDGET[v8Version.split('.').slice(0, 2).join('.')];
}

/** The flags set before any code runs: V8_FLAGS, and the start's interrupt budget where V8's default is known. */
function startV8Flags(v8Version = process.versions.v8) {
  const budget = defaultInterruptBudget(v8Version);
  return budget === undefined ? V8_FLAGS : [...V8_FLAGS, `--interrupt-budget=${budget * START_BUDGET_FACTOR}`];
}

/** The flags set once the server serves: V8's default interrupt budget back (none where it is not known). */
function servingV8Flags(v8Version = process.versions.v8) {
  const budget = defaultInterruptBudget(v8Version);
  return budget === undefined ? [] : [`--interrupt-budget=${budget}`];
}

function applyV8Flags() {
  const v8 = require('node:v8');
  for (const flag of startV8Flags()) v8.setFlagsFromString(flag);
}

function applyServingV8Flags() {
  const v8 = require('node:v8');
  for (const flag of servingV8Flags()) v8.setFlagsFromString(flag);
}

module.exports = { V8_FLAGS, startV8Flags, servingV8Flags, applyV8Flags, applyServingV8Flags };
