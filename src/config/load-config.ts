/**
 * Process config = defaults ← YAML file ← CALLGATE_* environment ← command-line flags, then validated as a
 * whole (every problem reported at once, with its path) and deep-frozen.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_KEYS, envNameOf, type ConfigKey } from './keys';
import { configSchema, type Config } from './schema';

export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
  readonly source?: string;
}

export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.path}: ${p.message}${p.source ? ` (${p.source})` : ''}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface ConfigSources {
  /** Path of the YAML file, if any. Relative `policies` paths resolve against its folder. */
  readonly file?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Flag values by config key path (already named by path, e.g. { "listen.grpc": "..." }), as strings. */
  readonly flags?: Readonly<Record<string, string>>;
}

type Tree = Record<string, unknown>;

function setPath(tree: Tree, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Tree;
  }
  node[parts[parts.length - 1] as string] = value;
}

function getPath(tree: Tree, dotted: string): unknown {
  let node: unknown = tree;
  for (const part of dotted.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Tree)[part];
  }
  return node;
}

/** Converts a string from env or a flag into the key's type; problems are collected, not thrown. */
function coerce(key: ConfigKey, raw: string, source: string, problems: ConfigProblem[]): unknown {
  switch (key.kind) {
    case 'string':
      return raw;
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) problems.push({ path: key.path, message: `expected an integer, got "${raw}"`, source });
      return Number(raw);
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (['true', '1', 'yes'].includes(v)) return true;
      if (['false', '0', 'no'].includes(v)) return false;
      problems.push({ path: key.path, message: `expected true or false, got "${raw}"`, source });
      return raw;
    }
    case 'string-list':
      return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    case 'json':
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        problems.push({ path: key.path, message: 'expected JSON', source });
        return raw;
      }
  }
}

function readYaml(file: string, problems: ConfigProblem[]): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push({ path: '(file)', message: `cannot read ${file}: ${(err as Error).message}` });
    return {};
  }
  // yaml is required only when there is a config file to read (a start from flags and env does not load it)
  const { parseDocument } = require('yaml') as typeof import('yaml');
  const doc = parseDocument(text, { uniqueKeys: true });
  for (const e of doc.errors) problems.push({ path: '(file)', message: e.message, source: file });
  if (doc.errors.length > 0) return {};
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ path: '(file)', message: 'the config file must be a YAML mapping', source: file });
    return {};
  }
  return value as Tree;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function loadConfig(sources: ConfigSources = {}): Config {
  const problems: ConfigProblem[] = [];
  const tree: Tree = {};
  for (const key of CONFIG_KEYS) setPath(tree, key.path, structuredClone(key.default));

  if (sources.file !== undefined) {
    const fromFile = readYaml(sources.file, problems);
    mergeInto(tree, fromFile);
    const policies = getPath(fromFile, 'policies');
    if (typeof policies === 'string' && !path.isAbsolute(policies)) {
      setPath(tree, 'policies', path.resolve(path.dirname(sources.file), policies));
    }
  }
  const env = sources.env ?? {};
  for (const key of CONFIG_KEYS) {
    const raw = env[envNameOf(key.path)];
    if (raw !== undefined) setPath(tree, key.path, coerce(key, raw, envNameOf(key.path), problems));
  }
  for (const [keyPath, raw] of Object.entries(sources.flags ?? {})) {
    const key = CONFIG_KEYS.find((k) => k.path === keyPath);
    if (key === undefined) problems.push({ path: keyPath, message: 'unknown option' });
    else setPath(tree, key.path, coerce(key, raw, 'flag', problems));
  }

  const parsed = configSchema.safeParse(tree);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ path: issue.path.map(String).join('.') || '(root)', message: issue.message });
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return deepFreeze(parsed.data);
}

/** File values replace defaults key by key; unknown keys are kept so the schema reports them. */
function mergeInto(target: Tree, source: Tree): void {
  for (const [k, v] of Object.entries(source)) {
    const existing = target[k];
    if (isPlainObject(v) && isPlainObject(existing)) mergeInto(existing, v);
    else target[k] = v;
  }
}

function isPlainObject(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
