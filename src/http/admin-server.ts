/**
 * The HTTP port: /metrics (Prometheus), /healthz (process up), /readyz (a valid bundle is serving and not draining),
 * /.well-known/oauth-protected-resource (RFC 9728, when identity.resource is set), and the approvals API and
 * page under /approvals (src/http/approvals-routes.ts) when approvals are wired in.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ApprovalsHandler } from './approvals-routes';

export interface AdminServerOptions {
  readonly registry: Registry;
  /** Why callgate is not ready, or undefined when ready. */
  notReadyReason(): string | undefined;
  /** Bundle revision serving now, reported on /readyz. */
  revision(): string | undefined;
  /** RFC 9728 metadata served at /.well-known/oauth-protected-resource; undefined = 404. */
  readonly protectedResourceMetadata?: object;
  /** /approvals and /approvals/* (approver API and page); absent = 404 there. */
  readonly approvals?: ApprovalsHandler;
}

export interface AdminServer {
  listen(address: string): Promise<string>;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, body: string, contentType = 'application/json'): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function createAdminServer(options: AdminServerOptions): AdminServer {
  const server = http.createServer((req, res) => {
    if (options.approvals?.(req, res) === true) return;
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, JSON.stringify({ error: 'method not allowed' }));
    switch (path) {
      case '/healthz':
        return send(res, 200, JSON.stringify({ status: 'ok' }));
      case '/readyz': {
        const reason = options.notReadyReason();
        if (reason !== undefined) return send(res, 503, JSON.stringify({ status: 'not ready', reason }));
        return send(res, 200, JSON.stringify({ status: 'ready', revision: options.revision() }));
      }
      case '/metrics':
        options.registry.metrics().then(
          (text) => send(res, 200, text, options.registry.contentType),
          () => send(res, 500, JSON.stringify({ error: 'metrics unavailable' })),
        );
        return;
      case '/.well-known/oauth-protected-resource':
        if (options.protectedResourceMetadata === undefined) return send(res, 404, JSON.stringify({ error: 'not found' }));
        return send(res, 200, JSON.stringify(options.protectedResourceMetadata));
      default:
        return send(res, 404, JSON.stringify({ error: 'not found' }));
    }
  });
  server.keepAliveTimeout = 5000;
  return {
    listen(address) {
      const m = /^(.*):(\d+)$/.exec(address);
      const host = (m?.[1] ?? '127.0.0.1').replace(/^\[(.*)\]$/, '$1');
      const port = Number(m?.[2] ?? 0);
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const a = server.address() as AddressInfo;
          resolve(`${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
