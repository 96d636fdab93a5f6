/** Reads docker-compose.yml (YAML merge keys resolved) into the few shapes the deploy tests use. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const REPO_ROOT = path.join(__dirname, '..', '..', '..');
export const COMPOSE_FILE = path.join(REPO_ROOT, 'docker-compose.yml');

export interface ComposeService {
  readonly image?: string;
  readonly build?: { context: string; target?: string };
  readonly command?: string[];
  readonly environment?: Record<string, string>;
  readonly volumes?: string[];
  readonly ports?: string[];
  readonly depends_on?: Record<string, { condition: string }>;
  readonly healthcheck?: { test: string[] };
}

export interface ComposeFile {
  readonly name?: string;
  readonly services: Record<string, ComposeService>;
}

export function readComposeFile(file = COMPOSE_FILE): ComposeFile {
  return parse(readFileSync(file, 'utf8'), { merge: true }) as ComposeFile;
}

export function serviceOf(compose: ComposeFile, name: string): ComposeService {
  const service = compose.services[name];
  if (service === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return service;
}

/** "127.0.0.1:10000:10000" → { hostIp, hostPort: 10000, containerPort: 10000 }. */
export function parsePortMapping(text: string): { hostIp: string; hostPort: number; containerPort: number } {
  const match = /^(\d+\.\d+\.\d+\.\d+):(\d+):(\d+)$/.exec(text);
  if (match === null) throw new Error(`port mapping ${text}: expected HOST_IP:HOST_PORT:CONTAINER_PORT`);
  return { hostIp: String(match[1]), hostPort: Number(match[2]), containerPort: Number(match[3]) };
}

/** "./a/b:/etc/x:ro" → { source: <repo>/a/b, target: /etc/x }. */
export function parseBindMount(text: string): { source: string; target: string; readOnly: boolean } {
  const [source, target, mode] = text.split(':');
  if (source === undefined || target === undefined || !source.startsWith('./')) throw new Error(`volume ${text}: expected ./SOURCE:TARGET[:ro]`);
  return { source: path.join(REPO_ROOT, source), target, readOnly: mode === 'ro' };
}
