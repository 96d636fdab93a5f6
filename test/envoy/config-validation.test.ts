/**
 * The shipped Envoy configs (envoy/*.yaml) are checked against Envoy's own v3 API protos, and their
 * security-relevant values are pinned. The validator is also exercised on broken variants so these
 * tests can fail.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createBootstrapRegistry, type ProtoRegistry } from '../support/envoy-config/proto-registry';
import { formatIssues, readEnvoyYaml, validateBootstrap } from '../support/envoy-config/read-envoy-config';
import { validateProtoJson } from '../support/envoy-config/validate-proto-json';
import {
  clusterNames,
  fieldOf,
  findHttpFilterConfig,
  httpFilterNames,
  listHttpConnectionManagers,
  listRoutes,
  perRouteFilterConfig,
  recordOf,
  type JsonRecord,
} from '../support/envoy-config/inspect-envoy-config';

const ENVOY_DIR = path.join(__dirname, '..', '..', 'envoy');
const CONFIG_FILES = fs.readdirSync(ENVOY_DIR).filter((f) => f.endsWith('.yaml')).sort();
const EXT_AUTHZ = 'envoy.filters.http.ext_authz';
const EXT_PROC = 'envoy.filters.http.ext_proc';
const JWT_AUTHN = 'envoy.filters.http.jwt_authn';
const ROUTER = 'envoy.filters.http.router';

let registry: ProtoRegistry;

beforeAll(() => {
  registry = createBootstrapRegistry();
});

function load(file: string): JsonRecord {
  return readEnvoyYaml(path.join(ENVOY_DIR, file)) as JsonRecord;
}

function onlyHcm(config: JsonRecord): JsonRecord {
  const hcms = listHttpConnectionManagers(config);
  expect(hcms).toHaveLength(1);
  return hcms[0] as JsonRecord;
}

function extAuthzOf(config: JsonRecord): JsonRecord {
  const extAuthz = findHttpFilterConfig(onlyHcm(config), EXT_AUTHZ);
  if (extAuthz === undefined) throw new Error('no ext_authz filter');
  return extAuthz;
}

describe('shipped Envoy configs', () => {
  it('ships the sidecar and the edge config', () => {
    expect(CONFIG_FILES).toEqual(expect.arrayContaining(['edge.yaml', 'sidecar.yaml']));
  });

  describe.each(CONFIG_FILES)('%s', (file) => {
    it('conforms to envoy.config.bootstrap.v3.Bootstrap', () => {
      const issues = validateBootstrap(registry, load(file));
      expect(formatIssues(issues)).toBe('');
    });

    it('keeps ext_authz fail-closed with exact, whole bodies', () => {
      const extAuthz = extAuthzOf(load(file));
      expect(fieldOf(extAuthz, 'failure_mode_allow')).toBe(false);
      expect(fieldOf(extAuthz, 'transport_api_version')).toBe('V3');
      expect(recordOf(extAuthz, 'status_on_error')).toEqual({ code: 'ServiceUnavailable' });
      expect(fieldOf(extAuthz, 'encode_raw_headers')).toBe(true);
      expect(fieldOf(extAuthz, 'validate_mutations')).toBe(true);
      expect(fieldOf(extAuthz, 'metadata_context_namespaces')).toEqual([JWT_AUTHN]);
      const grpc = recordOf(extAuthz, 'grpc_service');
      expect(recordOf(grpc, 'envoy_grpc')).toEqual({ cluster_name: 'callgate' });
      expect(fieldOf(grpc, 'timeout')).toBe('0.25s');
      expect(recordOf(extAuthz, 'with_request_body')).toEqual({
        max_request_bytes: 1048576,
        allow_partial_message: false,
        pack_as_bytes: true,
      });
    });

    it('runs ext_authz before the router (and before ext_proc if present)', () => {
      const names = httpFilterNames(onlyHcm(load(file)));
      expect(names[names.length - 1]).toBe(ROUTER);
      expect(names).toContain(EXT_AUTHZ);
      expect(names.indexOf(EXT_AUTHZ)).toBeLessThan(names.indexOf(ROUTER));
      if (names.includes(EXT_PROC)) expect(names.indexOf(EXT_AUTHZ)).toBeLessThan(names.indexOf(EXT_PROC));
      expect(names.filter((n) => n === EXT_AUTHZ)).toHaveLength(1);
    });

    it('runs ext_proc after ext_authz, fail-closed, with the decision forwarded and bodies buffered only on demand', () => {
      const hcm = onlyHcm(load(file));
      const names = httpFilterNames(hcm);
      expect(names.indexOf(EXT_AUTHZ)).toBeLessThan(names.indexOf(EXT_PROC));
      expect(names.indexOf(EXT_PROC)).toBeLessThan(names.indexOf(ROUTER));
      const extProc = findHttpFilterConfig(hcm, EXT_PROC);
      if (extProc === undefined) throw new Error('no ext_proc filter');
      expect(fieldOf(extProc, 'failure_mode_allow')).toBe(false);
      expect(fieldOf(extProc, 'observability_mode')).toBeUndefined();
      expect(fieldOf(extProc, 'allow_mode_override')).toBe(true);
      expect(fieldOf(extProc, 'send_body_without_waiting_for_header_response')).toBeUndefined();
      expect(fieldOf(extProc, 'processing_mode')).toMatchObject({
        request_header_mode: 'SEND', response_header_mode: 'SEND', request_body_mode: 'NONE', response_body_mode: 'NONE',
      });
      expect(fieldOf(extProc, 'metadata_options')).toEqual({ forwarding_namespaces: { untyped: [EXT_AUTHZ] } });
      expect(fieldOf(extProc, 'grpc_service')).toMatchObject({ envoy_grpc: { cluster_name: 'callgate' } });
    });

    it('budgets the connection buffer for the largest body ext_authz buffers', () => {
      const config = load(file);
      const maxBody = Number(fieldOf(recordOf(extAuthzOf(config), 'with_request_body'), 'max_request_bytes'));
      const listeners = (recordOf(config, 'static_resources')?.listeners ?? []) as JsonRecord[];
      for (const listener of listeners) expect(Number(fieldOf(listener, 'per_connection_buffer_limit_bytes'))).toBeGreaterThan(maxBody);
    });

    it('treats every downstream as external and owns x-request-id', () => {
      const hcm = onlyHcm(load(file));
      expect(fieldOf(hcm, 'use_remote_address')).toBe(true);
      expect(recordOf(hcm, 'internal_address_config')).toEqual({ unix_sockets: false, cidr_ranges: [] });
      expect(fieldOf(hcm, 'preserve_external_request_id')).toBe(false);
      expect(fieldOf(findHttpFilterConfig(hcm, ROUTER), 'suppress_envoy_headers')).toBe(true);
    });

    it('routes /mcp and /functions/ with context_extensions, everything else still checked', () => {
      const config = load(file);
      const routes = listRoutes(onlyHcm(config));
      const byPrefix = new Map(routes.map((r) => [String(fieldOf(recordOf(r, 'match'), 'prefix')), r]));
      const extensionsOf = (prefix: string): unknown =>
        recordOf(recordOf(perRouteFilterConfig(byPrefix.get(prefix) ?? {}, EXT_AUTHZ), 'check_settings'), 'context_extensions');
      expect([...byPrefix.keys()]).toEqual(['/mcp', '/functions/', '/']);
      expect(extensionsOf('/mcp')).toEqual({ protocol: 'mcp', server: 'tools' });
      expect(extensionsOf('/functions/')).toEqual({ protocol: 'http', server: 'payments', path: '/functions/{function}', method: 'POST' });
      const catchAll = byPrefix.get('/') as JsonRecord;
      expect(perRouteFilterConfig(catchAll, EXT_AUTHZ)).toBeUndefined();
      for (const route of routes) expect(recordOf(route, 'route')).toEqual({ cluster: 'local_function' });
      expect(clusterNames(config)).toEqual(expect.arrayContaining(['callgate', 'local_function']));
    });
  });

  it('edge: verifies JWTs before ext_authz and lets anonymous calls reach policy', () => {
    const config = load('edge.yaml');
    const hcm = onlyHcm(config);
    const names = httpFilterNames(hcm);
    expect(names.indexOf(JWT_AUTHN)).toBeGreaterThanOrEqual(0);
    expect(names.indexOf(JWT_AUTHN)).toBeLessThan(names.indexOf(EXT_AUTHZ));
    const jwt = findHttpFilterConfig(hcm, JWT_AUTHN) as JsonRecord;
    const provider = recordOf(recordOf(jwt, 'providers'), 'idp');
    expect(fieldOf(provider, 'issuer')).toBe('https://idp.example.com');
    expect(fieldOf(provider, 'audiences')).toEqual(['callgate']);
    expect(fieldOf(provider, 'payload_in_metadata')).toBe('jwt_payload');
    expect(fieldOf(provider, 'forward')).toBe(false);
    expect(fieldOf(recordOf(recordOf(provider, 'remote_jwks'), 'http_uri'), 'cluster')).toBe('idp');
    expect(clusterNames(config)).toContain('idp');
    const rules = (fieldOf(jwt, 'rules') ?? []) as JsonRecord[];
    expect(rules).toHaveLength(1);
    const anyOf = fieldOf(recordOf(recordOf(rules[0], 'requires'), 'requires_any'), 'requirements');
    expect(anyOf).toEqual([{ provider_name: 'idp' }, { allow_missing: {} }]);
  });

  it('sidecar: has no jwt_authn filter (identity comes from callgate or an upstream proxy)', () => {
    expect(httpFilterNames(onlyHcm(load('sidecar.yaml')))).not.toContain(JWT_AUTHN);
  });
});

describe('the proto validator', () => {
  const EXT_AUTHZ_TYPE = 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz';
  const valid = (): JsonRecord => {
    const { '@type': _typeUrl, ...fields } = structuredClone(extAuthzOf(load('sidecar.yaml')));
    return fields;
  };
  const issuesOf = (value: unknown, type = EXT_AUTHZ_TYPE): string[] =>
    validateProtoJson(registry, type, value).map((i) => `${i.path}: ${i.message}`);

  it('accepts the unmodified filter config', () => {
    expect(issuesOf(valid())).toEqual([]);
  });

  it('rejects an unknown field', () => {
    const config = valid();
    config.failure_mode_alow = true;
    expect(issuesOf(config)).toEqual([expect.stringMatching(/^failure_mode_alow: unknown field/)]);
  });

  it('rejects a reserved (removed) field', () => {
    expect(issuesOf({ ...valid(), use_alpha: true })).toEqual([expect.stringMatching(/^use_alpha: unknown field/)]);
  });

  it('accepts JSON (lowerCamel) names and rejects a field given under both names', () => {
    const config = valid();
    delete config.failure_mode_allow;
    config.failureModeAllow = false;
    expect(issuesOf(config)).toEqual([]);
    config.failure_mode_allow = false;
    expect(issuesOf(config)).toEqual([expect.stringMatching(/given twice/)]);
  });

  it('rejects a wrong enum name', () => {
    expect(issuesOf({ ...valid(), transport_api_version: 'V4' })).toEqual([
      expect.stringMatching(/^transport_api_version: "V4" is not a value of enum envoy\.config\.core\.v3\.ApiVersion/),
    ]);
    expect(issuesOf({ ...valid(), status_on_error: { code: 'Teapot' } })).toEqual([expect.stringMatching(/^status_on_error\.code:/)]);
  });

  it('rejects wrong scalar kinds and out-of-range integers', () => {
    expect(issuesOf({ ...valid(), failure_mode_allow: 'false' })).toEqual([expect.stringMatching(/expected a boolean/)]);
    const body = { max_request_bytes: -1, allow_partial_message: false, pack_as_bytes: true };
    expect(issuesOf({ ...valid(), with_request_body: body })).toEqual([expect.stringMatching(/^with_request_body\.max_request_bytes: expected a uint32/)]);
    expect(issuesOf({ ...valid(), with_request_body: { ...body, max_request_bytes: 2 ** 32 } })).toHaveLength(1);
    expect(issuesOf({ ...valid(), metadata_context_namespaces: 'envoy.filters.http.jwt_authn' })).toEqual([expect.stringMatching(/expected a list/)]);
  });

  it('checks well-known types: Duration strings, wrappers as scalars', () => {
    const config = valid();
    const grpc = config.grpc_service as JsonRecord;
    expect(issuesOf({ ...config, grpc_service: { ...grpc, timeout: '250ms' } })).toEqual([expect.stringMatching(/^grpc_service\.timeout: expected a Duration/)]);
    expect(issuesOf({ ...config, charge_cluster_response_stats: true })).toEqual([]);
    expect(issuesOf({ ...config, charge_cluster_response_stats: { value: true } })).toEqual([expect.stringMatching(/expected a boolean/)]);
  });

  it('rejects two members of one oneof', () => {
    const config = { ...valid(), http_service: { server_uri: { uri: 'http://127.0.0.1:9002', cluster: 'callgate', timeout: '0.25s' } } };
    expect(issuesOf(config)).toEqual([expect.stringMatching(/oneof services has more than one member set: grpc_service, http_service/)]);
  });

  it('rejects a typed_config whose @type cannot be resolved, and checks the fields of one that can', () => {
    const bootstrap = load('sidecar.yaml');
    const hcm = onlyHcm(bootstrap);
    const filters = hcm.http_filters as JsonRecord[];
    const router = filters[filters.length - 1] as JsonRecord;
    router.typed_config = { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Routerr' };
    expect(formatIssues(validateBootstrap(registry, bootstrap))).toMatch(/typed_config\.@type: cannot resolve type "envoy\.extensions\.filters\.http\.router\.v3\.Routerr"/);
    router.typed_config = { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', suppress_envoy_header: true };
    expect(formatIssues(validateBootstrap(registry, bootstrap))).toMatch(/typed_config\.suppress_envoy_header: unknown field "suppress_envoy_header" in envoy\.extensions\.filters\.http\.router\.v3\.Router/);
    router.typed_config = { suppress_envoy_headers: true };
    expect(formatIssues(validateBootstrap(registry, bootstrap))).toMatch(/Any without "@type"/);
  });

  it('checks map values and Struct as free JSON', () => {
    const perRoute = 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute';
    expect(issuesOf({ check_settings: { context_extensions: { server: 'tools' } } }, perRoute)).toEqual([]);
    expect(issuesOf({ check_settings: { context_extensions: { server: 7 } } }, perRoute)).toEqual([
      'check_settings.context_extensions[server]: expected a string, got 7',
    ]);
    const metadata = { filter_metadata: { any: { nested: [1, { a: null }], flag: true } } };
    expect(issuesOf(metadata, 'envoy.config.core.v3.Metadata')).toEqual([]);
    expect(issuesOf({ filter_metadata: { any: [1] } }, 'envoy.config.core.v3.Metadata')).toEqual([expect.stringMatching(/expected a Struct/)]);
  });

  it('looks inside per-route typed_per_filter_config and jwt_authn providers', () => {
    const bootstrap = load('edge.yaml');
    const hcm = onlyHcm(bootstrap);
    const mcp = listRoutes(hcm)[0] as JsonRecord;
    const perRoute = perRouteFilterConfig(mcp, EXT_AUTHZ) as JsonRecord;
    perRoute.check_setting = perRoute.check_settings;
    delete perRoute.check_settings;
    const jwt = findHttpFilterConfig(hcm, JWT_AUTHN) as JsonRecord;
    const idp = recordOf(recordOf(jwt, 'providers'), 'idp') as JsonRecord;
    idp.audience = 'callgate';
    const messages = validateBootstrap(registry, bootstrap).map((i) => i.message);
    expect([...messages].sort()).toEqual([
      'unknown field "audience" in envoy.extensions.filters.http.jwt_authn.v3.JwtProvider',
      'unknown field "check_setting" in envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute',
    ]);
  });

  it('reports an unknown field deep inside a bootstrap with its path', () => {
    const bootstrap = load('edge.yaml');
    const clusters = (bootstrap.static_resources as JsonRecord).clusters as JsonRecord[];
    (clusters[0] as JsonRecord).connect_timout = '1s';
    expect(validateBootstrap(registry, bootstrap).map((i) => i.path)).toEqual(['static_resources.clusters[0].connect_timout']);
  });
});
