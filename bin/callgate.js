#!/usr/bin/env node
'use strict';
// V8 flags first, before any code is optimized: see bin/v8-flags.js (a V8 bug in Node 20 that aborts the
// process under load; the start's tier-up budget, set back once `serve` serves).
require('./v8-flags').applyV8Flags();
require('../dist/cli/main.js').runCli(process.argv.slice(2), { onServing: require('./v8-flags').applyServingV8Flags });
