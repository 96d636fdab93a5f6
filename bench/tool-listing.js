#!/usr/bin/env node
'use strict';
/**
 * `node bench/tool-listing.js [--dist DIR] [--callers N] [--rounds R] [--policies DIR]`: the CPU a tools/list
 * listing costs the Check side (src/policy/tool-listing.ts) in process: N distinct callers (each an
 * uncached listing: Cedar decides every function of the server for them), then the same N again (cached).
 * Default: the example bundle's `tools` server for engineers, 300 callers, 5 rounds; prints the median CPU
 * per listing of the rounds, uncached and cached, and how many tools each caller saw (so two builds can be
 * checked to list the same). `--dist` points at another build (A/B). Needs `npm run build`.
 */
const path = require('node:path');

function parseArgs(argv) {
  const args = { dist: path.join(__dirname, '..', 'dist'), callers: 300, rounds: 5, policies: path.join(__dirname, '..', 'policies') };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    if (flag === '--dist') args.dist = path.resolve(argv[(i += 1)]);
    else if (flag === '--callers') args.callers = Number(argv[(i += 1)]);
    else if (flag === '--rounds') args.rounds = Number(argv[(i += 1)]);
    else if (flag === '--policies') args.policies = path.resolve(argv[(i += 1)]);
    else throw new Error(`unknown flag ${flag}`);
  }
  return args;
}

const unknown = (name) => ({ __extn: { fn: 'unknown', arg: name } });

/** A listing request as tool-visibility.ts builds it: what only a call fixes is unknown. */
function listingRequest(index, round) {
  const id = `user-${round}-${index}`;
  return {
    principal: { uid: { type: 'User', id }, attrs: {}, parents: [{ type: 'Group', id: 'engineering' }] },
    requestEntities: [],
    resource: 'tools',
    context: {
      caller: { kind: 'human', interactive: true, issuer: 'https://idp.example.com', scopes: [] },
      request: { method: 'POST', path: '/mcp', host: 'tools.example.com', sourceIp: { __extn: { fn: 'ip', arg: '10.0.0.1' } }, id: unknown('request.id') },
      input: unknown('input'),
      approval: unknown('approval'),
      time: unknown('time'),
    },
  };
}

const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const { loadBundle } = require(path.join(args.dist, 'policy', 'load-bundle.js'));
  const loaded = await loadBundle(args.policies, {});
  if (loaded.kind !== 'loaded') throw new Error(`bundle: ${JSON.stringify(loaded.problems)}`);
  const bundle = loaded.bundle;
  const uncached = [];
  const cached = [];
  const seen = new Set();
  for (let round = 0; round < args.rounds; round += 1) {
    const requests = Array.from({ length: args.callers }, (_, i) => listingRequest(i, round));
    let start = cpuMicros();
    for (const request of requests) {
      const listing = bundle.listTools(request);
      seen.add(listing.kind === 'listed' ? listing.tools.join(',') : `failed: ${listing.message}`);
    }
    uncached.push((cpuMicros() - start) / requests.length);
    start = cpuMicros();
    for (const request of requests) bundle.listTools(request);
    cached.push((cpuMicros() - start) / requests.length);
  }
  process.stdout.write(
    `${args.dist}: ${args.callers} callers x ${args.rounds} rounds; CPU per listing median ${Math.round(median(uncached))} µs uncached ` +
      `(rounds ${uncached.map((u) => Math.round(u)).join(' ')}), ${Math.round(median(cached))} µs cached; listed: ${[...seen].join(' | ')}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 1;
});
