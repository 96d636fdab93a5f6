/**
 * `callgate explain [DIR]`: decide one request with serve's pipeline and say why. The request is a YAML file
 * holding one case in the test-file shape (`--case FILE`, docs/policy-tests.md; `expect` optional) or the
 * same fields as flags. Exit 0 explained, 1 the case's `expect` is not met, 2 usage or invalid input.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Node } from 'yaml';
import { loadConfig } from '../config/load-config';
import { parseOptionsOf } from '../app';
import { formatProblem, formatProblems } from '../policy/format-problems';
import { loadBundle } from '../policy/load-bundle';
import { compareCase } from '../policy-tests/compare-case';
import { decideCase } from '../policy-tests/decide-case';
import { buildExplanation, renderExplanation } from '../policy-tests/explain-case';
import { readBundleSources } from '../policy-tests/policy-sources';
import { openYaml, zodProblems } from '../policy-tests/read-test-files';
import { explainCaseSchema, type ExplainCaseSpec } from '../policy-tests/test-file-schema';
import { yamlNodeToJsonText } from '../policy-tests/yaml-json';
import type { CommandResult } from './test';

export interface ExplainOptions {
  readonly case?: string;
  readonly principal?: string;
  readonly groups?: string;
  readonly claims?: string;
  readonly kind?: string;
  readonly onBehalfOf?: string;
  readonly onBehalfOfGroups?: string;
  readonly function?: string;
  readonly server?: string;
  readonly protocol?: string;
  readonly input?: string;
  readonly approved?: boolean;
  readonly approver?: string;
  readonly time?: string;
  readonly format?: string;
  readonly config?: string;
}

type Request = { readonly spec: ExplainCaseSpec; readonly inputJson: string };

const usage = (message: string): CommandResult => ({ exitCode: 2, stdout: '', stderr: `callgate explain: ${message}` });
const list = (v: string | undefined): string[] | undefined => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s !== ''));

export async function runExplain(dir: string, opts: ExplainOptions, env: Readonly<Record<string, string | undefined>> = process.env): Promise<CommandResult> {
  const format = opts.format ?? 'human';
  if (format !== 'human' && format !== 'json') return usage(`--format must be human or json, not ${JSON.stringify(format)}`);
  const request = opts.case === undefined ? requestFromFlags(opts) : await requestFromFile(opts.case);
  if ('exitCode' in request) return request;
  const config = loadConfig({ file: opts.config, env });
  const loaded = await loadBundle(dir);
  if (loaded.kind === 'invalid') return { exitCode: 2, stdout: '', stderr: formatProblems(loaded.problems.map((p) => ({ ...p, file: p.file === undefined || p.code === 'io' ? (p.file ?? dir) : join(dir, p.file) }))) };
  const sources = await readBundleSources(dir);
  const { spec, inputJson } = request;
  const ctx = { bundle: loaded.bundle, identity: config.identity, parseOptions: parseOptionsOf(config), knownEntities: sources.entities };
  const decided = decideCase(spec, inputJson, ctx, 'explain-1');
  if (decided.kind === 'problem') return usage(`${decided.path.join('.')}: ${decided.message}`);
  const kind = spec.caller?.kind;
  // --kind without an expectation: check the caller kind alone.
  const kindOnly = kind === undefined ? undefined : kind === decided.actual.callerKind ? [] : [{ field: 'caller.kind', expected: JSON.stringify(kind), actual: JSON.stringify(decided.actual.callerKind) }];
  const mismatches = spec.expect === undefined ? kindOnly : compareCase(spec.expect, decided.actual, kind);
  const explanation = buildExplanation({
    function: spec.function,
    server: spec.server ?? '',
    protocol: spec.protocol ?? 'http',
    actual: decided.actual,
    sources: sources.policies,
    ...(mismatches === undefined ? {} : { mismatches }),
  });
  const stdout = format === 'json' ? JSON.stringify(explanation, null, 2) : renderExplanation(explanation, dir);
  return { exitCode: mismatches !== undefined && mismatches.length > 0 ? 1 : 0, stdout, stderr: '' };
}

function requestFromFlags(opts: ExplainOptions): Request | CommandResult {
  let claims: unknown;
  if (opts.claims !== undefined) {
    try {
      claims = JSON.parse(opts.claims);
    } catch (err) {
      return usage(`--claims is not JSON: ${(err as Error).message}`);
    }
  }
  const inputJson = opts.input ?? '{}';
  try {
    const parsed: unknown = JSON.parse(inputJson);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return usage('--input must be a JSON object');
  } catch (err) {
    return usage(`--input is not JSON: ${(err as Error).message}`);
  }
  const caller =
    opts.claims !== undefined
      ? { claims, kind: opts.kind }
      : opts.principal !== undefined
        ? { principal: opts.principal, groups: list(opts.groups), kind: opts.kind, on_behalf_of: opts.onBehalfOf, on_behalf_of_groups: list(opts.onBehalfOfGroups) }
        : undefined;
  const raw = {
    caller: caller === undefined ? undefined : dropUndefined(caller),
    function: opts.function,
    server: opts.server,
    protocol: opts.protocol,
    approval: opts.approved === true || opts.approver !== undefined ? dropUndefined({ granted: opts.approved === true, approver: opts.approver }) : undefined,
    time: opts.time,
  };
  const parsed = explainCaseSchema.safeParse(dropUndefined(raw));
  if (!parsed.success) {
    return usage(parsed.error.issues.map((i) => `${flagOf(i.path)}: ${i.message}`).join('; '));
  }
  if (parsed.data.server === undefined) return usage('--server is required');
  return { spec: parsed.data, inputJson };
}

function flagOf(path: readonly PropertyKey[]): string {
  const last = String(path[path.length - 1] ?? 'request');
  return path[0] === 'caller' && last === 'claims' ? '--claims' : `--${last.replace(/_/g, '-')}`;
}

function dropUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function requestFromFile(file: string): Promise<Request | CommandResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return usage(`cannot read ${file}: ${(err as Error).message}`);
  }
  const { source, problems } = openYaml(file, text);
  if (problems.length > 0) return { exitCode: 2, stdout: '', stderr: problems.map(formatProblem).join('\n') };
  const parsed = explainCaseSchema.safeParse(source.doc.toJS());
  if (!parsed.success) return { exitCode: 2, stdout: '', stderr: zodProblems(parsed.error.issues, source).map(formatProblem).join('\n') };
  if (parsed.data.server === undefined) return { exitCode: 2, stdout: '', stderr: formatProblem(source.problemAt([], 'server is required')) };
  const input = yamlNodeToJsonText(source.doc.getIn(['input'], true) as Node | undefined, source.doc);
  if (input.kind === 'invalid') return { exitCode: 2, stdout: '', stderr: formatProblem(source.problemAt(['input'], input.message)) };
  return { spec: parsed.data, inputJson: input.text };
}
