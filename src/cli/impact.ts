/**
 * `callgate impact --base DIR --head DIR --decisions FILE…`: replays every recorded decision (audit
 * records) against the base and the head bundle through serve's own pipeline and lists what changes.
 * Exit 0 when no change of a `--fail-on` kind was found, 1 when one was, 2 on usage errors, invalid
 * bundles or unreadable decision files.
 */
import { join } from 'node:path';
import { parseOptionsOf } from '../app';
import { loadConfig } from '../config/load-config';
import { formatProblem } from '../policy/format-problems';
import { loadBundle } from '../policy/load-bundle';
import { compareReplays, CHANGE_KINDS, type ImpactEntry } from '../impact/compare-replays';
import { readPolicyIndex } from '../impact/policy-reads';
import { readRecordedDecisions } from '../impact/recorded-decisions';
import { replayDecision, type ReplaySettings, type ReplayTarget } from '../impact/replay-decision';
import { renderFailures, renderHuman, renderJson, renderMarkdown, type ImpactReport } from '../impact/render-impact';
import type { CommandResult } from './test';

export const IMPACT_FORMATS = ['human', 'markdown', 'json'] as const;
export const FAIL_ON = [...CHANGE_KINDS, 'undecidable', 'any', 'none'] as const;
export const DEFAULT_FAIL_ON = 'deny-to-allow';

export interface ImpactOptions {
  readonly base: string;
  readonly head: string;
  readonly decisions: readonly string[];
  readonly format?: string;
  /** Comma-separated FAIL_ON kinds. */
  readonly failOn?: string;
  /** callgate config file whose identity.mapping and limits apply, as in serve. */
  readonly config?: string;
}

const usage = (message: string): CommandResult => ({ exitCode: 2, stdout: '', stderr: `callgate impact: ${message}` });

function parseFailOn(text: string): Set<string> | string {
  const kinds = text.split(',').map((k) => k.trim()).filter((k) => k !== '');
  const unknown = kinds.find((k) => !(FAIL_ON as readonly string[]).includes(k));
  if (unknown !== undefined) return `--fail-on: unknown kind ${JSON.stringify(unknown)} (expected ${FAIL_ON.join(', ')})`;
  if (kinds.includes('none')) return new Set();
  return new Set(kinds.includes('any') ? CHANGE_KINDS : kinds);
}

async function loadTarget(dir: string): Promise<ReplayTarget | string> {
  const loaded = await loadBundle(dir);
  if (loaded.kind === 'invalid') return loaded.problems.map((p) => formatProblem({ ...p, file: p.file === undefined || p.code === 'io' ? (p.file ?? dir) : join(dir, p.file) })).join('\n');
  return { dir, bundle: loaded.bundle, policies: await readPolicyIndex(dir) };
}

/** policy id → `DIR/file:line`. */
function whereOf(target: ReplayTarget): Map<string, string> {
  return new Map([...target.policies.values()].map((p) => [p.id, join(target.dir, p.where)]));
}

export async function runImpact(opts: ImpactOptions, env: Readonly<Record<string, string | undefined>> = process.env): Promise<CommandResult> {
  const format = opts.format ?? 'human';
  if (!(IMPACT_FORMATS as readonly string[]).includes(format)) return usage(`--format must be one of ${IMPACT_FORMATS.join(', ')}`);
  const failOn = parseFailOn(opts.failOn ?? DEFAULT_FAIL_ON);
  if (typeof failOn === 'string') return usage(failOn);
  if (opts.decisions.length === 0) return usage('--decisions needs at least one audit file');
  const config = loadConfig({ file: opts.config, env });
  const settings: ReplaySettings = { identity: config.identity, parseOptions: parseOptionsOf(config) };
  const base = await loadTarget(opts.base);
  if (typeof base === 'string') return { exitCode: 2, stdout: '', stderr: `callgate impact: the base bundle is invalid:\n${base}` };
  const head = await loadTarget(opts.head);
  if (typeof head === 'string') return { exitCode: 2, stdout: '', stderr: `callgate impact: the head bundle is invalid:\n${head}` };
  let read: ReturnType<typeof readRecordedDecisions>;
  try {
    read = readRecordedDecisions(opts.decisions);
  } catch (err) {
    return usage(`cannot read the decisions: ${(err as Error).message}`);
  }
  const rows = read.decisions.map((rec) => ({ rec, base: replayDecision(rec, base, settings), head: replayDecision(rec, head, settings) }));
  const report: ImpactReport = {
    base: { dir: opts.base, revision: base.bundle.revision },
    head: { dir: opts.head, revision: head.bundle.revision },
    comparison: compareReplays(rows),
    unreadable: read.unreadable,
    whereBase: whereOf(base),
    whereHead: whereOf(head),
  };
  const failing = report.comparison.entries.filter((e: ImpactEntry) => failOn.has(e.kind));
  const stdout = format === 'json' ? renderJson(report) : format === 'markdown' ? renderMarkdown(report) : renderHuman(report);
  const stderr =
    failing.length === 0
      ? ''
      : [
          `callgate impact: ${failing.reduce((n, e) => n + e.decisionIds.length, 0)} recorded decision(s) change in a way --fail-on refuses (${[...new Set(failing.map((e) => e.kind))].join(', ')})`,
          ...renderFailures(report, failing).map((line) => `  ${line}`),
        ].join('\n');
  return { exitCode: failing.length === 0 ? 0 : 1, stdout, stderr };
}
