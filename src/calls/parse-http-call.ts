/**
 * HTTP JSON function calls: function = route function ?? `{function}` path parameter; arguments = the
 * JSON object body. Every HTTP function call needs a body, whatever the method: a body-less GET would
 * otherwise be authorized with no arguments while the function may read them elsewhere.
 */
import { checkFunctionName } from './function-name';
import { readJsonBody } from './read-json-body';
import { rejectCall } from './rejection';
import type { ResolvedRoute } from './resolve-route';
import { isJsonObject } from './strict-json';
import type { HttpRequestView, ParseLimits, ParseResult } from './types';

export function parseHttpCall(req: HttpRequestView, route: ResolvedRoute, limits: ParseLimits): ParseResult {
  const name = route.function ?? route.pathFunction;
  if (name === undefined) return rejectCall('ERR_SERVICE_MISCONFIGURED', 'the route names no function and its path has no {function}');
  const badName = checkFunctionName(name);
  if (badName !== undefined) return badName;
  const body = readJsonBody(req, route.contentTypes, limits);
  if (body.kind === 'rejected') return body;
  if (!isJsonObject(body.value)) return rejectCall('ERR_CALL_NOT_AN_OBJECT', 'function arguments must be a JSON object');
  const call = { protocol: 'http' as const, function: name, server: route.server, args: body.value };
  return { kind: 'calls', protocol: 'http', server: route.server, calls: [call], batch: false };
}
