/**
 * deploy/kubernetes/base, checked without a cluster: the kustomize build is assembled here (resources, plus
 * ConfigMaps from configMapGenerator, plus the common labels) and every object is validated against the
 * Kubernetes OpenAPI schemas shipped by `kubernetes-models` (Kubernetes 1.27: types, required fields, enums;
 * it does not reject unknown fields). Then names, ports, paths and settings are cross-checked between the
 * manifests, the sidecar Envoy config, callgate's config (loaded by callgate's own loader) and compose.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { loadConfig } from '../../src/config/load-config';
import { createBootstrapRegistry } from '../support/envoy-config/proto-registry';
import { formatIssues, readEnvoyYaml, validateBootstrap } from '../support/envoy-config/read-envoy-config';
import { fieldOf, findHttpFilterConfig, listHttpConnectionManagers, recordOf, type JsonRecord } from '../support/envoy-config/inspect-envoy-config';
import { readComposeFile, REPO_ROOT, serviceOf } from './support/compose-file';

const BASE = path.join(REPO_ROOT, 'deploy', 'kubernetes', 'base');
const SIDECAR = path.join(REPO_ROOT, 'envoy', 'sidecar.yaml');

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> } } & JsonRecord;

interface Kustomization {
  apiVersion: string;
  kind: string;
  labels?: { pairs: Record<string, string> }[];
  resources: string[];
  configMapGenerator: { name: string; files: string[]; options?: { disableNameSuffixHash?: boolean } }[];
}

const kustomization = parse(readFileSync(path.join(BASE, 'kustomization.yaml'), 'utf8')) as Kustomization;

/** What `kustomize build` emits for this base, less the generated ConfigMaps' hash suffixes. */
function buildBase(): K8sObject[] {
  const resources = kustomization.resources.flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(BASE, file), 'utf8')).map((d) => d.toJSON() as K8sObject),
  );
  const configMaps = kustomization.configMapGenerator.map((g) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: g.name },
    data: Object.fromEntries(g.files.map((f) => [path.basename(f), readFileSync(path.join(BASE, f), 'utf8')])),
  })) as K8sObject[];
  const labels = Object.assign({}, ...(kustomization.labels ?? []).map((l) => l.pairs)) as Record<string, string>;
  return [...resources, ...configMaps].map((o) => ({ ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, ...labels } } }));
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'v1 Service': Service,
  'v1 ConfigMap': ConfigMap,
  'networking.k8s.io/v1 NetworkPolicy': NetworkPolicy,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
};

function validateObject(object: K8sObject): void {
  const Model = MODELS[`${object.apiVersion} ${object.kind}`];
  if (Model === undefined) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  new Model(object as never).validate();
}

const objects = buildBase();
const byKind = (kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);
const deployment = byKind('Deployment')[0] as unknown as {
  spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
};

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value: string }[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: JsonRecord;
  livenessProbe?: JsonRecord;
  startupProbe?: JsonRecord;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: JsonRecord;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  securityContext: JsonRecord;
  containers: Container[];
  volumes: { name: string; configMap?: { name: string }; emptyDir?: JsonRecord }[];
}

const pod = deployment.spec.template.spec;
const container = (name: string): Container => {
  const found = pod.containers.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no container ${name}`);
  return found;
};
const mountOf = (c: Container, volume: string): string => c.volumeMounts?.find((m) => m.name === volume)?.mountPath ?? '';

describe('kustomize base', () => {
  it('is a kustomization of files that exist', () => {
    expect([kustomization.apiVersion, kustomization.kind]).toEqual(['kustomize.config.k8s.io/v1beta1', 'Kustomization']);
    expect(Object.keys(kustomization).sort()).toEqual(['apiVersion', 'configMapGenerator', 'kind', 'labels', 'resources']);
    for (const file of [...kustomization.resources, ...kustomization.configMapGenerator.flatMap((g) => g.files)]) expect(existsSync(path.join(BASE, file))).toBe(true);
  });

  it('builds a Deployment, Service, NetworkPolicy, PodDisruptionBudget and three ConfigMaps, each valid', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/callgate-config', 'ConfigMap/callgate-envoy', 'ConfigMap/callgate-policies',
      'Deployment/callgate-demo', 'NetworkPolicy/callgate-demo', 'PodDisruptionBudget/callgate-demo', 'Service/callgate-demo',
    ]);
    for (const object of objects) expect(() => validateObject(object)).not.toThrow();
  });

  it('the schema check can fail', () => {
    const broken = structuredClone(byKind('Deployment')[0] as K8sObject);
    ((broken.spec as JsonRecord).replicas as unknown) = 'two';
    expect(() => validateObject(broken)).toThrow(/replicas/);
    const probe = structuredClone(byKind('Deployment')[0] as K8sObject) as unknown as typeof deployment;
    (probe.spec.template.spec.containers[1] as Container).readinessProbe = { grpc: { service: 'x' } };
    expect(() => validateObject(probe as unknown as K8sObject)).toThrow(/port/);
  });

  it('ships the repository policies unchanged in the policies ConfigMap, with a stable name for hot reload', () => {
    const generator = kustomization.configMapGenerator.find((g) => g.name === 'callgate-policies');
    expect(generator?.options?.disableNameSuffixHash).toBe(true);
    // A ConfigMap holds no directories: every policy of the bundle must sit at the top of policies/.
    const nested = readdirSync(path.join(REPO_ROOT, 'policies'), { recursive: true, encoding: 'utf8' }).filter((f) => f.includes('/') && f.endsWith('.cedar'));
    expect(nested).toEqual([]);
    const bundleFiles = readdirSync(path.join(REPO_ROOT, 'policies')).filter((f) => /\.(cedar|cedarschema)$|^entities\.json$/.test(f)).sort();
    expect(generator?.files.map((f) => path.basename(f)).sort()).toEqual(bundleFiles);
    for (const file of bundleFiles) {
      expect(readFileSync(path.join(BASE, 'policies', file), 'utf8')).toBe(readFileSync(path.join(REPO_ROOT, 'policies', file), 'utf8'));
    }
  });

  it('mounts every ConfigMap it generates, by its generated name', () => {
    const generated = kustomization.configMapGenerator.map((g) => g.name).sort();
    expect(pod.volumes.filter((v) => v.configMap !== undefined).map((v) => v.configMap?.name).sort()).toEqual(generated);
    const volumeNames = new Set(pod.volumes.map((v) => v.name));
    for (const c of pod.containers) for (const m of c.volumeMounts ?? []) expect(volumeNames.has(m.name)).toBe(true);
  });
});

describe('the pod', () => {
  it('runs app, Envoy and callgate as non-root with read-only roots, no capabilities, requests and limits', () => {
    expect(pod.containers.map((c) => c.name)).toEqual(['app', 'envoy', 'callgate']);
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of pod.containers) {
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(Number(c.securityContext?.runAsUser)).toBeGreaterThan(0);
      expect(Object.keys(c.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(c.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
    }
    expect(container('callgate').resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    expect(deployment.spec.replicas).toBe(2);
  });

  it('uses the images compose builds and pulls, Envoy pinned to the same version', () => {
    const compose = readComposeFile();
    expect(container('envoy').image).toBe(serviceOf(compose, 'envoy').image);
    expect(container('callgate').image).toBe(serviceOf(compose, 'callgate').image);
    expect(container('app').image).toBe(serviceOf(compose, 'functions-http').image);
    expect(container('app').command).toEqual(serviceOf(compose, 'functions-http').command);
  });

  it('probes callgate on /readyz and /healthz and the data path by gRPC health through Envoy', () => {
    const callgate = container('callgate');
    expect(callgate.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 9002 } });
    expect(callgate.startupProbe).toMatchObject({ httpGet: { path: '/readyz', port: 9002 } });
    expect(callgate.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 9002 } });
    expect(container('envoy').readinessProbe).toMatchObject({ grpc: { port: 9003, service: 'envoy.service.auth.v3.Authorization' } });
  });

  it('selects its own pods from the Service, the NetworkPolicy and the PodDisruptionBudget', () => {
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    const service = byKind('Service')[0] as unknown as { spec: { selector: Record<string, string>; ports: { targetPort: string }[] } };
    expect(service.spec.selector).toEqual(labels);
    expect(service.spec.ports.map((p) => p.targetPort)).toEqual(['http']);
    expect(container('envoy').ports?.find((p) => p.name === 'http')?.containerPort).toBe(10000);
    const pdb = byKind('PodDisruptionBudget')[0] as unknown as { spec: JsonRecord };
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: labels } });
    const policy = byKind('NetworkPolicy')[0] as unknown as { spec: { podSelector: JsonRecord; ingress: { ports: { port: number }[] }[] } };
    expect(policy.spec.podSelector).toEqual({ matchLabels: labels });
    expect(policy.spec.ingress.flatMap((r) => r.ports.map((p) => p.port)).sort()).toEqual([10000, 9002]);
  });
});

describe('deploy/kubernetes/base/envoy.yaml and callgate.yaml', () => {
  const envoyFile = path.join(BASE, 'envoy.yaml');
  const envoy = readEnvoyYaml(envoyFile) as JsonRecord;
  const sidecar = readEnvoyYaml(SIDECAR) as JsonRecord;
  const listeners = (config: JsonRecord): JsonRecord[] => (recordOf(config, 'static_resources')?.listeners ?? []) as JsonRecord[];
  const config = loadConfig({ file: path.join(BASE, 'callgate.yaml') });

  it('conforms to envoy.config.bootstrap.v3.Bootstrap', () => {
    expect(formatIssues(validateBootstrap(createBootstrapRegistry(), envoy))).toBe('');
  });

  it('keeps envoy/sidecar.yaml\'s listener and clusters unchanged (fail closed included)', () => {
    expect(listeners(envoy)[0]).toEqual(listeners(sidecar)[0]);
    expect(recordOf(envoy, 'static_resources')?.clusters).toEqual(recordOf(sidecar, 'static_resources')?.clusters);
    expect(fieldOf(findHttpFilterConfig(listHttpConnectionManagers(envoy)[0] as JsonRecord, 'envoy.filters.http.ext_authz'), 'failure_mode_allow')).toBe(false);
  });

  it('adds only a health listener on the probe port that forwards gRPC health checks to callgate', () => {
    const health = listeners(envoy)[1] as JsonRecord;
    expect(listeners(envoy)).toHaveLength(2);
    expect(recordOf(recordOf(health, 'address'), 'socket_address')).toEqual({ address: '0.0.0.0', port_value: 9003 });
    const hcm = listHttpConnectionManagers({ static_resources: { listeners: [health] } })[0] as JsonRecord;
    const routes = (recordOf(hcm, 'route_config')?.virtual_hosts as JsonRecord[]).flatMap((v) => v.routes as JsonRecord[]);
    expect(routes).toEqual([{ match: { path: '/grpc.health.v1.Health/Check', grpc: {} }, route: { cluster: 'callgate', timeout: '1s' } }]);
  });

  it('puts callgate and the app where the Envoy clusters point, on loopback', () => {
    const endpoints = Object.fromEntries(
      ((recordOf(envoy, 'static_resources')?.clusters ?? []) as JsonRecord[]).map((c) => {
        const address = JSON.stringify(c.load_assignment).match(/"address":"([^"]+)","port_value":(\d+)/);
        return [String(c.name), `${address?.[1]}:${address?.[2]}`];
      }),
    );
    expect(endpoints).toEqual({ callgate: config.listen.grpc, local_function: container('app').env?.find((e) => e.name === 'FUNCTIONS_HTTP_LISTEN')?.value });
    expect(config.listen.grpc).toMatch(/^127\.0\.0\.1:/);
  });

  it('reads config and policies from the mounted ConfigMaps and keeps approvals on the writable volume', () => {
    const callgate = container('callgate');
    expect(callgate.args).toEqual(['serve', '--config', `${mountOf(callgate, 'callgate-config')}/callgate.yaml`]);
    expect(config.policies).toBe(mountOf(callgate, 'callgate-policies'));
    expect(config.listen.http).toBe('0.0.0.0:9002');
    expect(config.approvals.store).toBe(`sqlite:${mountOf(callgate, 'callgate-data')}/approvals.db`);
    expect(mountOf(container('envoy'), 'envoy-config')).toBe('/etc/envoy');
    expect(container('envoy').args).toEqual(['-c', '/etc/envoy/envoy.yaml', '--log-level', 'info']);
  });
});
