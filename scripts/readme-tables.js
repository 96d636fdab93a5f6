#!/usr/bin/env node
// Rewrites the generated tables in README.md (configuration keys, reason codes) from the source of
// truth in src/. Run after `npm run build`: `node scripts/readme-tables.js`. A test fails when the
// README is out of date.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function tables({ CONFIG_KEYS, flagNameOf, envNameOf, ERROR_TABLE }) {
  const config = [
    '| key | flag | env var | default | what it does |',
    '| --- | --- | --- | --- | --- |',
    ...CONFIG_KEYS.map((k) => `| \`${k.path}\` | \`--${flagNameOf(k.path)}\` | \`${envNameOf(k.path)}\` | \`${JSON.stringify(k.default)}\` | ${k.help} |`),
  ].join('\n');
  const reasons = [
    '| code | HTTP | reason sent to the caller |',
    '| --- | --- | --- |',
    ...Object.entries(ERROR_TABLE).map(([code, e]) => `| \`${code}\` | ${e.http} | ${e.reason} |`),
  ].join('\n');
  return { 'config-table': config, 'reason-table': reasons };
}

function render(readme, generated) {
  let out = readme;
  for (const [name, body] of Object.entries(generated)) {
    const re = new RegExp(`<!-- ${name}:start -->[\\s\\S]*?<!-- ${name}:end -->`);
    if (!re.test(out)) throw new Error(`README.md has no ${name} markers`);
    out = out.replace(re, `<!-- ${name}:start -->\n${body}\n<!-- ${name}:end -->`);
  }
  return out;
}

module.exports = { tables, render };

if (require.main === module) {
  const root = path.join(__dirname, '..');
  const file = path.join(root, 'README.md');
  const dist = path.join(root, 'dist');
  const sources = { ...require(path.join(dist, 'config/keys.js')), ...require(path.join(dist, 'errors.js')) };
  fs.writeFileSync(file, render(fs.readFileSync(file, 'utf8'), tables(sources)));
}
