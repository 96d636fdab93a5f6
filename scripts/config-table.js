#!/usr/bin/env node
// Prints the README's configuration reference table from src/config/keys.ts (run after `npm run build`).
'use strict';
const { CONFIG_KEYS, flagNameOf, envNameOf } = require('../dist/config/keys.js');
const rows = CONFIG_KEYS.map((k) => `| \`${k.path}\` | \`--${flagNameOf(k.path)}\` | \`${envNameOf(k.path)}\` | \`${JSON.stringify(k.default)}\` | ${k.help} |`);
process.stdout.write(['| key | flag | env var | default | what it does |', '| --- | --- | --- | --- | --- |', ...rows].join('\n') + '\n');
