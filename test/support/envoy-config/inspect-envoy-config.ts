/**
 * Read-only accessors over a parsed Envoy bootstrap (plain JSON): the HTTP connection managers, their
 * filter chains and routes. Keys are looked up by proto name, then by JSON (lowerCamel) name.
 */
export type JsonRecord = Record<string, unknown>;

export const HCM_TYPE_URL =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

function camelCaseOf(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The field's value under its proto name or its JSON name. */
export function fieldOf(obj: unknown, protoName: string): unknown {
  if (!isRecord(obj)) return undefined;
  return protoName in obj ? obj[protoName] : obj[camelCaseOf(protoName)];
}

export function recordOf(obj: unknown, protoName: string): JsonRecord | undefined {
  const v = fieldOf(obj, protoName);
  return isRecord(v) ? v : undefined;
}

export function listOf(obj: unknown, protoName: string): unknown[] {
  const v = fieldOf(obj, protoName);
  return Array.isArray(v) ? v : [];
}

/** Every HttpConnectionManager typed_config in the static listeners, in order. */
export function listHttpConnectionManagers(bootstrap: unknown): JsonRecord[] {
  const out: JsonRecord[] = [];
  for (const listener of listOf(recordOf(bootstrap, 'static_resources'), 'listeners')) {
    for (const chain of listOf(listener, 'filter_chains')) {
      for (const filter of listOf(chain, 'filters')) {
        const typed = recordOf(filter, 'typed_config');
        if (typed !== undefined && typed['@type'] === HCM_TYPE_URL) out.push(typed);
      }
    }
  }
  return out;
}

export function httpFilterNames(hcm: JsonRecord): string[] {
  return listOf(hcm, 'http_filters').map((f) => String(fieldOf(f, 'name')));
}

/** The typed_config of the first HTTP filter with this name. */
export function findHttpFilterConfig(hcm: JsonRecord, name: string): JsonRecord | undefined {
  const filter = listOf(hcm, 'http_filters').find((f) => fieldOf(f, 'name') === name);
  return recordOf(filter, 'typed_config');
}

/** The routes of every virtual host of the inline route_config, in order. */
export function listRoutes(hcm: JsonRecord): JsonRecord[] {
  return listOf(recordOf(hcm, 'route_config'), 'virtual_hosts').flatMap((vh) => listOf(vh, 'routes').filter(isRecord));
}

/** The route's per-filter config for `filterName` (typed_per_filter_config), if any. */
export function perRouteFilterConfig(route: JsonRecord, filterName: string): JsonRecord | undefined {
  return recordOf(recordOf(route, 'typed_per_filter_config'), filterName);
}

/** Every cluster name in static_resources. */
export function clusterNames(bootstrap: unknown): string[] {
  return listOf(recordOf(bootstrap, 'static_resources'), 'clusters').map((c) => String(fieldOf(c, 'name')));
}
