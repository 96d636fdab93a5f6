/**
 * Which route a request takes. Envoy `context_extensions` win: when they carry `protocol` or `server`
 * they ARE the route (both keys then required; optional `function`, `content_types` (comma list), `path`
 * (template) and `method`). Otherwise the first configured route whose path and method fit applies.
 */
import { rejectCall, type Rejection } from './rejection';
import { contentTypesFrom } from './request-checks';
import { matchPathTemplate, stripQuery } from './path-template';
import type { HttpRequestView, Protocol, RouteConfig } from './types';

export interface ResolvedRoute {
  readonly protocol: Protocol;
  readonly server: string;
  /** The route's fixed function (context_extensions `function`, else the route's `function`). */
  readonly function?: string;
  /** The percent-decoded `{function}` path parameter, when the template has one. */
  readonly pathFunction?: string;
  readonly contentTypes: readonly string[];
}

export type RouteResolution = { readonly kind: 'route'; readonly route: ResolvedRoute } | Rejection;

function toProtocol(value: string | undefined): Protocol | undefined {
  return value === 'http' || value === 'mcp' ? value : undefined;
}

function buildRoute(base: Omit<ResolvedRoute, 'pathFunction' | 'function'>, fixed: string | undefined, params: Readonly<Record<string, string>>): RouteResolution {
  const route: { -readonly [K in keyof ResolvedRoute]: ResolvedRoute[K] } = { ...base };
  if (fixed !== undefined) route.function = fixed;
  const fromPath = params.function;
  if (fromPath !== undefined) route.pathFunction = fromPath;
  return { kind: 'route', route };
}

function routeFromExtensions(req: HttpRequestView, ext: Readonly<Record<string, string>>): RouteResolution {
  const protocol = toProtocol(ext.protocol);
  const server = ext.server;
  if (protocol === undefined || server === undefined || server === '') {
    return rejectCall('ERR_SERVICE_MISCONFIGURED', 'context_extensions must set protocol (http|mcp) and server');
  }
  let params: Readonly<Record<string, string>> = {};
  if (ext.path !== undefined && ext.path !== '') {
    const matched = matchPathTemplate(ext.path, req.path);
    if (matched.kind === 'no-match') return rejectCall('ERR_CALL_NO_ROUTE', 'path does not match the route template');
    if (matched.kind === 'invalid') return rejectCall('ERR_CALL_INVALID_PATH', matched.message);
    params = matched.params;
  }
  if (ext.method !== undefined && ext.method !== '' && ext.method !== req.method) {
    return rejectCall('ERR_CALL_METHOD_NOT_ALLOWED', `method ${req.method} is not allowed on this route`);
  }
  const fixed = ext.function !== undefined && ext.function !== '' ? ext.function : undefined;
  return buildRoute({ protocol, server, contentTypes: contentTypesFrom(ext.content_types) }, fixed, params);
}

function routeFromConfig(req: HttpRequestView, routes: readonly RouteConfig[]): RouteResolution {
  let methodMismatch = false;
  for (const candidate of routes) {
    const { path, path_prefix: prefix, method } = candidate.match;
    let params: Readonly<Record<string, string>> = {};
    if (path !== undefined) {
      const matched = matchPathTemplate(path, req.path);
      if (matched.kind === 'no-match') continue;
      if (method !== undefined && method !== req.method) {
        methodMismatch = true;
        continue;
      }
      if (matched.kind === 'invalid') return rejectCall('ERR_CALL_INVALID_PATH', matched.message);
      params = matched.params;
    } else if (prefix !== undefined) {
      if (!stripQuery(req.path).startsWith(prefix)) continue;
      if (method !== undefined && method !== req.method) {
        methodMismatch = true;
        continue;
      }
    } else {
      continue; // a route without a path matcher matches nothing (config validation forbids it)
    }
    const base = { protocol: candidate.protocol, server: candidate.server, contentTypes: contentTypesFrom(candidate.content_types) };
    return buildRoute(base, candidate.function, params);
  }
  if (methodMismatch) return rejectCall('ERR_CALL_METHOD_NOT_ALLOWED', `method ${req.method} is not allowed on this route`);
  return rejectCall('ERR_CALL_NO_ROUTE', 'no route matches this request');
}

function hasRouteExtensions(ext: Readonly<Record<string, string>>): boolean {
  return Object.prototype.hasOwnProperty.call(ext, 'protocol') || Object.prototype.hasOwnProperty.call(ext, 'server');
}

export function resolveRoute(req: HttpRequestView, routes: readonly RouteConfig[]): RouteResolution {
  const ext = req.contextExtensions;
  return hasRouteExtensions(ext) ? routeFromExtensions(req, ext) : routeFromConfig(req, routes);
}
