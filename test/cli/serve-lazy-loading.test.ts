/**
 * `callgate serve` loads only what its configuration uses (issue 7, start to ready): the app built from
 * flags and env alone requires no other command, no config-file parser, no token verifier, no webhook
 * client, no page login client, no Redis client and no masking session; each configured part still is.
 * Runs the built binary's modules in a fresh process (needs `npm run build`, which `npm test` does first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '../..');

/** Builds the app (no listening) from `flags` in a fresh node and lists the modules it loaded. */
function modulesLoadedBy(flags: Record<string, string>): string[] {
  const script = `
    const { loadConfig } = require('./dist/config/load-config.js');
    const { buildApp, defaultDeps } = require('./dist/app.js');
    require('./dist/cli/main.js');
    const config = loadConfig({ env: {}, flags: ${JSON.stringify(flags)} });
    buildApp(config, defaultDeps(config));
    process.stdout.write(JSON.stringify(Object.keys(require.cache)));
    process.exit(0);`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`node exited ${r.status}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as string[]).map((file) => path.relative(root, file));
}

const loaded = (modules: string[], pattern: RegExp): boolean => modules.some((m) => pattern.test(m));

const OPTIONAL = {
  otherCommands: /^dist\/cli\/(test|explain|validate|fmt|audit-verify|schema-from-mcp|schema-from-openapi)\.js$/,
  yaml: /node_modules\/yaml\//,
  jose: /node_modules\/jose\//,
  cockatiel: /node_modules\/cockatiel\//,
  openidClient: /node_modules\/openid-client\//,
  ioredis: /node_modules\/ioredis\//,
  maskingSession: /^dist\/extproc\/session\.js$/,
  jsonPathParser: /node_modules\/jsonpath-rfc9535\//,
};

describe('serve loads what its configuration uses', () => {
  beforeAll(() => {
    if (!existsSync(path.join(root, 'dist/app.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  });

  it('a configuration from flags with no optional part loads none of them', () => {
    const modules = modulesLoadedBy({ policies: 'policies' });
    for (const [name, pattern] of Object.entries(OPTIONAL)) expect({ name, loaded: loaded(modules, pattern) }).toEqual({ name, loaded: false });
    expect(loaded(modules, /^dist\/transport\/grpc\/server\.js$/)).toBe(true);
  });

  it('configured parts are loaded: token verification, webhook notifications, the page login', () => {
    const modules = modulesLoadedBy({
      policies: 'policies',
      'identity.issuers': JSON.stringify([{ issuer: 'https://idp.example.com', audiences: ['callgate'] }]),
      'approvals.notify.url': 'https://hooks.example.com/approvals',
      'approvals.page.client_id': 'callgate-approvals',
      'approvals.page.redirect_uri': 'https://callgate.example.com/approvals/callback',
    });
    expect(loaded(modules, OPTIONAL.jose)).toBe(true);
    expect(loaded(modules, OPTIONAL.cockatiel)).toBe(true);
    expect(loaded(modules, OPTIONAL.openidClient)).toBe(true);
    expect(loaded(modules, OPTIONAL.ioredis)).toBe(false);
  });
});
