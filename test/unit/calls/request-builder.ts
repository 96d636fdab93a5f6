/** Test helpers: build HttpRequestViews and ParseOptions, read fixtures from test/fixtures/calls. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpRequestView, ParseOptions, ParseResult, RouteConfig } from '../../../src/calls/types';

export const FIXTURES = join(__dirname, '../../fixtures/calls');

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

export const ROUTES: readonly RouteConfig[] = [
  { match: { path_prefix: '/mcp' }, protocol: 'mcp', server: 'tools' },
  { match: { path: '/functions/{function}', method: 'POST' }, protocol: 'http', server: 'orders' },
  { match: { path: '/refund', method: 'POST' }, protocol: 'http', server: 'payments', function: 'payments.refund' },
];

export const OPTIONS: ParseOptions = { routes: ROUTES, limits: { maxBodyBytes: 4096, maxDepth: 8, maxBatchSize: 5 } };

export interface RequestInit {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | string;
  readonly ext?: Record<string, string>;
}

export function buildRequest(init: RequestInit = {}): HttpRequestView {
  const headers = new Map<string, string>(Object.entries({ 'content-type': 'application/json', ...(init.headers ?? {}) }));
  for (const [k, v] of [...headers]) if (v === '') headers.delete(k);
  const body = typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : init.body;
  return {
    method: init.method ?? 'POST',
    path: init.path ?? '/functions/refund',
    host: 'api.example.com',
    headers,
    body,
    contextExtensions: init.ext ?? {},
  };
}

/** Builds an MCP POST to /mcp with the given body and extra headers. */
export function mcpRequest(body: Buffer | string, headers: Record<string, string> = {}): HttpRequestView {
  return buildRequest({ path: '/mcp', body, headers });
}

export function rejectionOf(result: ParseResult): Extract<ParseResult, { kind: 'rejected' }> {
  if (result.kind !== 'rejected') throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result;
}

export function callsOf(result: ParseResult): Extract<ParseResult, { kind: 'calls' }> {
  if (result.kind !== 'calls') throw new Error(`expected calls, got ${JSON.stringify(result)}`);
  return result;
}
