/**
 * HttpRequestView → the function call(s) it carries, or a rejection with a specific code (design §2b).
 * Route first (context_extensions over configured routes), then the protocol's parser. Never throws.
 */
import { assertNever } from '../errors';
import { parseHttpCall } from './parse-http-call';
import { parseMcpCall } from './parse-mcp-call';
import { rejectCall } from './rejection';
import { resolveRoute } from './resolve-route';
import type { HttpRequestView, ParseOptions, ParseResult } from './types';

function parseRoutedCall(req: HttpRequestView, options: ParseOptions): ParseResult {
  const resolved = resolveRoute(req, options.routes);
  if (resolved.kind === 'rejected') return resolved;
  const route = resolved.route;
  switch (route.protocol) {
    case 'http':
      return parseHttpCall(req, route, options.limits);
    case 'mcp':
      return parseMcpCall(req, route, options.limits);
    default:
      return assertNever(route.protocol, 'protocol');
  }
}

export function parseCall(req: HttpRequestView, options: ParseOptions): ParseResult {
  try {
    return parseRoutedCall(req, options);
  } catch {
    return rejectCall('ERR_INTERNAL', 'the call could not be parsed');
  }
}
