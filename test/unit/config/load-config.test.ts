import path from 'node:path';
import { loadConfig, ConfigError } from '../../../src/config/load-config';
import { CONFIG_KEYS, envNameOf, flagNameOf } from '../../../src/config/keys';

const fixtures = path.join(__dirname, '../../fixtures/config');

describe('loadConfig', () => {
  it('gives the documented defaults with no sources', () => {
    const config = loadConfig();
    expect(config.listen).toEqual({ grpc: '127.0.0.1:9001', http: '127.0.0.1:9002' });
    expect(config.policies).toBe('./policies');
    expect(config.identity.jwt_authn).toEqual({ metadata_namespace: 'envoy.filters.http.jwt_authn', payload_key: 'jwt_payload' });
    expect(config.limits.max_body_bytes).toBe(1048576);
    expect(Object.isFrozen(config.identity.mapping)).toBe(true);
  });

  it('reads a YAML file, keeps unset keys at their defaults and resolves policies against the file', () => {
    const config = loadConfig({ file: path.join(fixtures, 'full.yaml') });
    expect(config.listen.grpc).toBe('127.0.0.1:19001');
    expect(config.policies).toBe(path.join(fixtures, 'bundle'));
    expect(config.routes).toHaveLength(2);
    expect(config.identity.mapping.groups_claim).toBe('realm_access.roles');
    expect(config.identity.mapping.scopes_claim).toBe('scope');
    expect(config.limits).toMatchObject({ max_body_bytes: 65536, max_json_depth: 64 });
  });

  it('lets env override the file and flags override env', () => {
    const config = loadConfig({
      file: path.join(fixtures, 'full.yaml'),
      env: { CALLGATE_LISTEN_GRPC: '127.0.0.1:1', CALLGATE_WATCH_POLICIES: 'true', CALLGATE_IDENTITY_MAPPING_AGENT_CLIENTS: 'a, b' },
      flags: { 'listen.grpc': '127.0.0.1:2' },
    });
    expect(config.listen.grpc).toBe('127.0.0.1:2');
    expect(config.watch_policies).toBe(true);
    expect(config.identity.mapping.agent_clients).toEqual(['a', 'b']);
  });

  it('reports every problem at once, each with its path', () => {
    let error: unknown;
    try {
      loadConfig({ file: path.join(fixtures, 'broken.yaml') });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const paths = (error as ConfigError).problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['listen.grpc', 'watch_policies', 'limits.max_body_bytes', 'limits', 'routes.0.match', 'routes.0.protocol', '(root)']),
    );
  });

  it('rejects malformed env values with the variable named', () => {
    expect(() => loadConfig({ env: { CALLGATE_LIMITS_MAX_BODY_BYTES: 'lots' } })).toThrow(/CALLGATE_LIMITS_MAX_BODY_BYTES/);
    expect(() => loadConfig({ flags: { 'no.such.key': '1' } })).toThrow(/unknown option/);
  });

  it('rejects audit.mask_style token without a masking.token_key of 16 characters as a config error', () => {
    expect(() => loadConfig({ env: { CALLGATE_AUDIT_MASK_STYLE: 'token' } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { CALLGATE_AUDIT_MASK_STYLE: 'token' } })).toThrow(/audit\.mask_style/);
    expect(loadConfig({ env: { CALLGATE_AUDIT_MASK_STYLE: 'token', CALLGATE_MASKING_TOKEN_KEY: 'k'.repeat(16) } }).audit.mask_style).toBe('token');
  });

  it('batches main-thread evaluation by default and validates engine.batch_max', () => {
    expect(loadConfig().engine).toMatchObject({ workers: 0, batch_max: 64 });
    expect(loadConfig({ env: { CALLGATE_ENGINE_BATCH_MAX: '0' } }).engine.batch_max).toBe(0);
    expect(() => loadConfig({ flags: { 'engine.batch_max': '-1' } })).toThrow(/engine\.batch_max/);
    expect(() => loadConfig({ flags: { 'engine.batch_max': '5000' } })).toThrow(/engine\.batch_max/);
  });

  it('rejects a missing config file clearly', () => {
    expect(() => loadConfig({ file: path.join(fixtures, 'nope.yaml') })).toThrow(/cannot read/);
  });

  it('derives one flag and one env var per key', () => {
    expect(flagNameOf('identity.jwt_authn.payload_key')).toBe('identity-jwt-authn-payload-key');
    expect(envNameOf('listen.grpc')).toBe('CALLGATE_LISTEN_GRPC');
    expect(new Set(CONFIG_KEYS.map((k) => flagNameOf(k.path))).size).toBe(CONFIG_KEYS.length);
  });
});
