/**
 * The docker-compose local mesh without containers: every service of docker-compose.yml except Envoy and
 * Redis runs as a child process with the command, environment and mounted config files compose gives it;
 * Redis is Debian's redis-server with the compose command's arguments on a loopback port;
 * Envoy is the Envoy emulation configured from deploy/compose/envoy.yaml (its router half routes by
 * cluster, see cluster-router.ts). Compose DNS names ("callgate:9001") and container listen addresses
 * ("0.0.0.0:8080") are the only things rewritten: each becomes a free port on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { startEnvoyEmulator, emulatorOptionsFromEnvoyConfig, type EnvoyEmulator } from '../../support/envoy-emulator';
import { startClusterRouter, type ClusterRouter } from './cluster-router';
import { parseBindMount, parsePortMapping, readComposeFile, REPO_ROOT, serviceOf, type ComposeFile } from './compose-file';
import { findFreePort } from './free-port';

export const COMPOSE_ENVOY_CONFIG = path.join(REPO_ROOT, 'deploy', 'compose', 'envoy.yaml');
/** The callgate image's ENTRYPOINT (test/deploy/compose.test.ts checks the Dockerfile says so). */
export const CALLGATE_ENTRYPOINT = ['node', 'bin/callgate.js'];
const PROCESS_SERVICES = ['dev-oidc', 'functions-http', 'mcp-tools'];
const START_TIMEOUT_MS = 20_000;

export interface LocalMesh {
  /** Rewrites compose names ("dev-oidc:9400", "envoy:10000") and published host addresses ("localhost:9400"). */
  localize(text: string): string;
  readonly envoy: EnvoyEmulator;
  /** stderr and stdout of every process, for failure messages. */
  output(): string;
  close(): Promise<void>;
}

type AddressMap = Map<string, string>;

async function allocateAddresses(compose: ComposeFile, texts: readonly string[]): Promise<AddressMap> {
  const names = Object.keys(compose.services).map((n) => n.replace(/[-]/g, '\\-')).join('|');
  const found = new Set(texts.flatMap((t) => [...t.matchAll(new RegExp(`\\b(?:${names}):\\d+\\b`, 'g'))].map((m) => m[0])));
  const map: AddressMap = new Map();
  for (const key of [...found].sort()) map.set(key, `127.0.0.1:${await findFreePort()}`);
  return map;
}

function rewrite(text: string, map: AddressMap): string {
  let out = text;
  for (const [from, to] of [...map].sort((a, b) => b[0].length - a[0].length)) out = out.split(from).join(to);
  return out;
}

/** A service's own "0.0.0.0:PORT" listen address becomes "SERVICE:PORT" first, so it maps like any name. */
function ownAddresses(service: string, text: string): string {
  return text.replace(/\b0\.0\.0\.0:(\d+)\b/g, `${service}:$1`);
}

interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly lines: string[];
}

function startChild(name: string, args: string[], env: Record<string, string>, cwd: string, program = process.execPath): Child {
  const child = spawn(program, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) readline.createInterface({ input: stream }).on('line', (l) => lines.push(l));
  return { name, process: child, lines };
}

async function waitFor(what: string, probe: () => Promise<boolean>, child: Child): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) throw new Error(`${child.name} exited (${child.process.exitCode}):\n${child.lines.join('\n')}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not ready after ${START_TIMEOUT_MS} ms:\n${child.lines.join('\n')}`);
}

function startExampleService(compose: ComposeFile, name: string, map: AddressMap): Child {
  const service = serviceOf(compose, name);
  const [program, ...args] = service.command ?? [];
  if (program !== 'node') throw new Error(`${name}: expected a node command, got ${String(program)}`);
  const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, rewrite(ownAddresses(name, String(v)), map)]));
  // The examples image's working directory is the repository root (Dockerfile WORKDIR /src).
  return startChild(name, args, env, REPO_ROOT);
}

/** The compose Redis: the same server arguments, bound to loopback on the mapped port. */
function startRedis(compose: ComposeFile, map: AddressMap): Child {
  const [program, ...args] = serviceOf(compose, 'redis').command ?? [];
  if (program !== 'redis-server') throw new Error(`redis: expected a redis-server command, got ${String(program)}`);
  const port = (map.get('redis:6379') ?? '').split(':')[1] ?? '';
  return startChild('redis', [...args, '--port', port, '--bind', '127.0.0.1'], {}, os.tmpdir(), '/usr/bin/redis-server');
}

/** Mounts become files in a temporary root: config files rewritten, directories linked. */
function startCallgate(compose: ComposeFile, map: AddressMap, root: string): Child {
  const service = serviceOf(compose, 'callgate');
  const mounts = (service.volumes ?? []).map(parseBindMount);
  for (const mount of mounts) {
    const target = path.join(root, mount.target);
    mkdirSync(path.dirname(target), { recursive: true });
    if (statSync(mount.source).isDirectory()) symlinkSync(mount.source, target);
    else writeFileSync(target, rewrite(ownAddresses('callgate', readFileSync(mount.source, 'utf8')), map));
  }
  const args = (service.command ?? []).map((a) => (mounts.some((m) => a === m.target) ? path.join(root, a) : a));
  const [, script] = CALLGATE_ENTRYPOINT;
  return startChild('callgate', [String(script), ...args], {}, REPO_ROOT);
}

function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.process.kill('SIGKILL'), 5000);
    child.process.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.process.kill('SIGTERM');
  });
}

function hostAddresses(compose: ComposeFile, map: AddressMap, envoyUrl: string): AddressMap {
  const hosts: AddressMap = new Map([['envoy:10000', new URL(envoyUrl).host]]);
  for (const [name, service] of Object.entries(compose.services)) {
    for (const mapping of (service.ports ?? []).map(parsePortMapping)) {
      const local = name === 'envoy' ? new URL(envoyUrl).host : map.get(`${name}:${mapping.containerPort}`);
      if (local !== undefined) hosts.set(`localhost:${mapping.hostPort}`, local);
    }
  }
  return new Map([...map, ...hosts]);
}

export async function startLocalMesh(): Promise<LocalMesh> {
  const compose = readComposeFile();
  const callgateConfig = parseBindMount((serviceOf(compose, 'callgate').volumes ?? [])[0] ?? '').source;
  const texts = [
    readFileSync(COMPOSE_ENVOY_CONFIG, 'utf8'),
    ownAddresses('callgate', readFileSync(callgateConfig, 'utf8')),
    ...PROCESS_SERVICES.map((n) => ownAddresses(n, JSON.stringify(serviceOf(compose, n).environment ?? {}))),
  ];
  const map = await allocateAddresses(compose, texts);
  const root = mkdtempSync(path.join(os.tmpdir(), 'callgate-mesh-'));
  const children: Child[] = [];
  let router: ClusterRouter | undefined;
  let envoy: EnvoyEmulator | undefined;
  const close = async (): Promise<void> => {
    await envoy?.close();
    await router?.close();
    await Promise.all(children.map(stopChild));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (const name of PROCESS_SERVICES) children.push(startExampleService(compose, name, map));
    children.push(startRedis(compose, map));
    await Promise.all(children.map((c) => waitFor(c.name, async () => c.lines.some((l) => /"listening"|Ready to accept connections/.test(l)), c)));
    const callgate = startCallgate(compose, map, root);
    children.push(callgate);
    await waitFor('callgate /readyz', async () => (await fetch(`http://${map.get('callgate:9002')}/readyz`)).ok, callgate);
    const grpc = map.get('callgate:9001') ?? '';
    router = await startClusterRouter(COMPOSE_ENVOY_CONFIG, (endpoint) => map.get(endpoint) ?? endpoint);
    // The compose config's own timeouts (ext_authz 0.25 s, ext_proc 1 s) are checked in compose.test.ts;
    // here they are widened because eight test suites share two cores.
    envoy = await startEnvoyEmulator({
      ...emulatorOptionsFromEnvoyConfig(COMPOSE_ENVOY_CONFIG, { authzAddress: grpc, upstream: router.url }),
      timeoutMs: 10_000,
      extProc: { address: grpc, messageTimeoutMs: 10_000, statusOnError: 500 },
    });
  } catch (err) {
    await close();
    throw err;
  }
  const all = hostAddresses(compose, map, envoy.url);
  const started = envoy;
  return {
    localize: (text) => rewrite(text, all),
    envoy: started,
    output: () => children.map((c) => `--- ${c.name}\n${c.lines.join('\n')}`).join('\n'),
    close,
  };
}
