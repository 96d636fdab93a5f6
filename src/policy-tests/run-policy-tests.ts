/**
 * `callgate test`: load the bundle exactly as serve does (loadBundle), read the test files, decide every
 * case with serve's pipeline, compare strictly, and compute policy coverage (a policy is covered when it is
 * in the deciding set of at least one passing case).
 */
import type { IdentityConfig } from '../identity/resolve-caller';
import type { ParseOptions } from '../calls/types';
import { loadBundle } from '../policy/load-bundle';
import type { BundleProblem, PolicyBundle } from '../policy/types';
import { compareCase, type Mismatch } from './compare-case';
import { decideCase, type CaseActual } from './decide-case';
import { readBundleSources, type BundleSources } from './policy-sources';
import { formatPath, readTestFiles, type LoadedCase } from './read-test-files';

export interface CaseResult {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly passed: boolean;
  readonly mismatches: readonly Mismatch[];
  readonly actual: CaseActual;
  readonly seconds: number;
}

export interface Coverage {
  readonly total: number;
  readonly covered: readonly string[];
  readonly uncovered: readonly { readonly id: string; readonly file?: string; readonly line?: number }[];
  /** 0–100; 100 for a bundle without policies. */
  readonly percent: number;
}

export type PolicyTestRun =
  | { readonly kind: 'ran'; readonly results: readonly CaseResult[]; readonly coverage: Coverage; readonly files: readonly string[]; readonly revision: string }
  /** The bundle or a test file is invalid: nothing was run. */
  | { readonly kind: 'problems'; readonly problems: readonly BundleProblem[] };

export interface RunOptions {
  readonly identity: IdentityConfig;
  readonly parseOptions: ParseOptions;
  /** High-resolution clock in ns (per-case durations for JUnit). */
  hrtime(): bigint;
}

export async function runPolicyTests(dir: string, options: RunOptions): Promise<PolicyTestRun> {
  const loaded = await loadBundle(dir, { fileReads: 'blocking' });
  if (loaded.kind === 'invalid') return { kind: 'problems', problems: loaded.problems };
  const read = await readTestFiles(dir);
  if (read.problems.length > 0) return { kind: 'problems', problems: read.problems };
  if (read.cases.length === 0) return { kind: 'problems', problems: [{ code: 'no-tests', file: 'tests', message: 'no test files (tests/*.yaml) in the bundle' }] };
  const sources = await readBundleSources(dir);
  const problems = read.cases.flatMap((c) => checkExpectedPolicies(c, loaded.bundle));
  const results: CaseResult[] = [];
  for (const [n, c] of read.cases.entries()) {
    const started = options.hrtime();
    const decided = decideCase(c.spec, c.inputJson, { bundle: loaded.bundle, identity: options.identity, parseOptions: options.parseOptions, knownEntities: sources.entities }, `test-${n + 1}`);
    if (decided.kind === 'problem') {
      problems.push(problemIn(c, decided.path, decided.message));
      continue;
    }
    const kind = c.spec.caller?.kind;
    const mismatches = compareCase(c.spec.expect, decided.actual, kind);
    const seconds = Number(options.hrtime() - started) / 1e9;
    results.push({ file: c.file, line: c.line, name: c.spec.name, passed: mismatches.length === 0, mismatches, actual: decided.actual, seconds });
  }
  if (problems.length > 0) return { kind: 'problems', problems };
  return { kind: 'ran', results, coverage: computeCoverage(loaded.bundle, results, sources), files: read.files, revision: loaded.bundle.revision };
}

function problemIn(c: LoadedCase, path: readonly (string | number)[], message: string): BundleProblem {
  const full: (string | number)[] = ['cases', c.index, ...path];
  return { code: 'test-file', file: c.file, ...c.locate(path), message: `${formatPath(full)}: ${message}` };
}

function checkExpectedPolicies(c: LoadedCase, bundle: PolicyBundle): BundleProblem[] {
  const known = new Set(bundle.policyIds);
  return c.spec.expect.policies.flatMap((id, i) => (known.has(id) ? [] : [problemIn(c, ['expect', 'policies', i], `no policy has @id("${id}") in the bundle`)]));
}

export function computeCoverage(bundle: PolicyBundle, results: readonly CaseResult[], sources: BundleSources): Coverage {
  const decided = new Set(results.filter((r) => r.passed).flatMap((r) => r.actual.policies));
  const covered = bundle.policyIds.filter((id) => decided.has(id));
  const uncovered = bundle.policyIds.filter((id) => !decided.has(id)).map((id) => sources.policies.get(id) ?? { id });
  const total = bundle.policyIds.length;
  const percent = total === 0 ? 100 : Math.floor((covered.length / total) * 10000) / 100;
  return { total, covered, uncovered, percent };
}
