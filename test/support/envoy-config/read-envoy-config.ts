/** Reads an Envoy bootstrap YAML file and checks it against envoy.config.bootstrap.v3.Bootstrap. */
import fs from 'node:fs';
import { parse } from 'yaml';
import type { ProtoRegistry } from './proto-registry';
import { validateProtoJson, type ConfigIssue } from './validate-proto-json';

export const BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';

/** Parses YAML strictly (duplicate keys are an error, as in Envoy's loader). */
export function readEnvoyYaml(file: string): unknown {
  return parse(fs.readFileSync(file, 'utf8'), { uniqueKeys: true, prettyErrors: true });
}

export function validateBootstrap(registry: ProtoRegistry, config: unknown): ConfigIssue[] {
  return validateProtoJson(registry, BOOTSTRAP_TYPE, config);
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('\n');
}
