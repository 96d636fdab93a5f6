/**
 * The router half of the compose Envoy config for the Envoy emulation (which has one upstream): picks the
 * route by prefix as deploy/compose/envoy.yaml does (first match wins), takes that route's cluster, and
 * forwards to the cluster's endpoint, translated from its compose DNS name to the local process.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readEnvoyYaml } from '../../support/envoy-config/read-envoy-config';
import { fieldOf, listHttpConnectionManagers, listOf, listRoutes, recordOf, type JsonRecord } from '../../support/envoy-config/inspect-envoy-config';

export interface ClusterRoute {
  readonly prefix: string;
  readonly cluster: string;
}

/** Routes (prefix → cluster) and cluster endpoints ("name:port") of a bootstrap with one HCM. */
export function readRouting(envoyYaml: string): { routes: ClusterRoute[]; endpoints: Map<string, string> } {
  const config = readEnvoyYaml(envoyYaml);
  const hcm = listHttpConnectionManagers(config)[0];
  if (hcm === undefined) throw new Error(`${envoyYaml}: no HTTP connection manager`);
  const routes = listRoutes(hcm).map((r) => ({ prefix: String(fieldOf(recordOf(r, 'match'), 'prefix')), cluster: String(fieldOf(recordOf(r, 'route'), 'cluster')) }));
  const endpoints = new Map<string, string>();
  for (const cluster of listOf(recordOf(config, 'static_resources'), 'clusters') as JsonRecord[]) {
    const endpoint = listOf(recordOf(cluster, 'load_assignment'), 'endpoints')
      .flatMap((e) => listOf(e, 'lb_endpoints'))
      .map((e) => recordOf(recordOf(recordOf(e, 'endpoint'), 'address'), 'socket_address'))[0];
    endpoints.set(String(fieldOf(cluster, 'name')), `${String(fieldOf(endpoint, 'address'))}:${String(fieldOf(endpoint, 'port_value'))}`);
  }
  return { routes, endpoints };
}

export interface ClusterRouter {
  readonly url: string;
  close(): Promise<void>;
}

export async function startClusterRouter(envoyYaml: string, translate: (endpoint: string) => string): Promise<ClusterRouter> {
  const { routes, endpoints } = readRouting(envoyYaml);
  const server = http.createServer((req, res) => {
    const route = routes.find((r) => (req.url ?? '/').startsWith(r.prefix));
    const endpoint = route === undefined ? undefined : endpoints.get(route.cluster);
    if (endpoint === undefined) {
      res.writeHead(404).end();
      return;
    }
    const [host, port] = translate(endpoint).split(':');
    const upstream = http.request({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(503).end('upstream connect error'));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
