/**
 * Reads the ext_authz settings and routes of a shipped Envoy bootstrap (envoy/*.yaml) into emulator
 * options, so end-to-end tests run with the same knobs as the configs. Only prefix routes and one HTTP
 * connection manager are understood; anything else is an error rather than a silent approximation.
 */
import { readEnvoyYaml } from '../envoy-config/read-envoy-config';
import {
  fieldOf,
  findHttpFilterConfig,
  listHttpConnectionManagers,
  listRoutes,
  perRouteFilterConfig,
  recordOf,
  type JsonRecord,
} from '../envoy-config/inspect-envoy-config';
import { httpStatusNumber } from './http-status';
import type { BodySettings, EmulatorOptions, EmulatorRoute } from './types';

const EXT_AUTHZ = 'envoy.filters.http.ext_authz';

/** "0.25s" → 250. */
export function durationToMs(value: unknown): number {
  if (typeof value !== 'string' || !/^\d+(\.\d{1,9})?s$/.test(value)) throw new Error(`not a Duration: ${JSON.stringify(value)}`);
  return Math.round(Number(value.slice(0, -1)) * 1000);
}

function bodySettingsOf(extAuthz: JsonRecord): BodySettings | null {
  const body = recordOf(extAuthz, 'with_request_body');
  if (body === undefined) return null;
  return {
    maxRequestBytes: Number(fieldOf(body, 'max_request_bytes') ?? 0),
    allowPartialMessage: fieldOf(body, 'allow_partial_message') === true,
    packAsBytes: fieldOf(body, 'pack_as_bytes') === true,
  };
}

function routeOf(route: JsonRecord): EmulatorRoute {
  const prefix = fieldOf(recordOf(route, 'match'), 'prefix');
  if (typeof prefix !== 'string') throw new Error(`route ${String(fieldOf(route, 'name'))}: only prefix matches are emulated`);
  const perRoute = perRouteFilterConfig(route, EXT_AUTHZ);
  if (perRoute === undefined) return { prefix };
  if (fieldOf(perRoute, 'disabled') === true) return { prefix, disabled: true };
  const extensions = recordOf(recordOf(perRoute, 'check_settings'), 'context_extensions');
  return extensions === undefined ? { prefix } : { prefix, contextExtensions: Object.fromEntries(Object.entries(extensions).map(([k, v]) => [k, String(v)])) };
}

export function emulatorOptionsFromEnvoyConfig(yamlPath: string, overrides: { authzAddress: string; upstream: string }): EmulatorOptions {
  const hcms = listHttpConnectionManagers(readEnvoyYaml(yamlPath));
  const hcm = hcms[0];
  if (hcms.length !== 1 || hcm === undefined) throw new Error(`${yamlPath}: expected exactly one HTTP connection manager`);
  const extAuthz = findHttpFilterConfig(hcm, EXT_AUTHZ);
  if (extAuthz === undefined) throw new Error(`${yamlPath}: no ${EXT_AUTHZ} filter`);
  if (recordOf(extAuthz, 'grpc_service') === undefined) throw new Error(`${yamlPath}: only the gRPC ext_authz service is emulated`);
  const timeout = fieldOf(recordOf(extAuthz, 'grpc_service'), 'timeout');
  const statusCode = fieldOf(recordOf(extAuthz, 'status_on_error'), 'code');
  const statusOnError = httpStatusNumber(typeof statusCode === 'string' || typeof statusCode === 'number' ? statusCode : undefined);
  return {
    authzAddress: overrides.authzAddress,
    upstream: overrides.upstream,
    routes: listRoutes(hcm).map(routeOf),
    timeoutMs: timeout === undefined ? 200 : durationToMs(timeout),
    failureModeAllow: fieldOf(extAuthz, 'failure_mode_allow') === true,
    statusOnError: statusOnError > 0 ? statusOnError : 403,
    withRequestBody: bodySettingsOf(extAuthz),
    encodeRawHeaders: fieldOf(extAuthz, 'encode_raw_headers') === true,
  };
}
