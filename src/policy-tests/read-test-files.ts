/**
 * Reads `<bundle>/tests/*.yaml` (and `*.yml`): YAML syntax, then the zod shape, every problem with
 * file:line:column from the YAML node ranges. Each case comes back merged with the file's `defaults`, with
 * its input as exact JSON text and a locator for later (bundle-aware) checks.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import type { BundleProblem } from '../policy/types';
import { testFileSchema, type TestCaseSpec, type TestFileSpec } from './test-file-schema';
import { yamlNodeToJsonText } from './yaml-json';

export const TESTS_DIR = 'tests';

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

export interface LoadedCase {
  /** Test file path relative to the bundle directory ("tests/payments.yaml"). */
  readonly file: string;
  readonly index: number;
  readonly line: number;
  /** The case with the file's defaults applied. */
  readonly spec: TestCaseSpec;
  /** The case's `input` as JSON text, numbers as written. */
  readonly inputJson: string;
  /** Where a path inside the case (e.g. ["caller", "principal"]) is written. */
  locate(path: readonly (string | number)[]): SourcePosition;
}

export interface TestFilesResult {
  readonly cases: readonly LoadedCase[];
  readonly problems: readonly BundleProblem[];
  readonly files: readonly string[];
}

export async function listTestFiles(bundleDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(join(bundleDir, TESTS_DIR));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((n) => !n.startsWith('.') && (n.endsWith('.yaml') || n.endsWith('.yml')))
    .sort()
    .map((n) => `${TESTS_DIR}/${n}`);
}

export async function readTestFiles(bundleDir: string): Promise<TestFilesResult> {
  const files = await listTestFiles(bundleDir);
  const cases: LoadedCase[] = [];
  const problems: BundleProblem[] = [];
  for (const file of files) {
    const text = await readFile(join(bundleDir, file), 'utf8');
    const parsed = parseTestFile(file, text);
    cases.push(...parsed.cases);
    problems.push(...parsed.problems);
  }
  return { cases, problems, files };
}

/** A parsed YAML document with a way to turn node paths into positions. */
export interface YamlSource {
  readonly doc: Document;
  position(path: readonly (string | number)[]): SourcePosition;
  problemAt(path: readonly (string | number)[], message: string, code?: string): BundleProblem;
}

export function openYaml(file: string, text: string): { source: YamlSource; problems: BundleProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): SourcePosition => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  const position = (path: readonly (string | number)[]): SourcePosition => at(rangeStart(doc, path) ?? 0);
  const problemAt = (path: readonly (string | number)[], message: string, code = 'test-file'): BundleProblem => ({ code, file, ...position(path), message: path.length > 0 ? `${formatPath(path)}: ${message}` : message });
  const problems = [...doc.errors, ...doc.warnings].map((e) => ({ code: 'yaml', file, ...at(e.pos[0]), message: e.message.split('\n')[0] ?? e.message }));
  return { source: { doc, position, problemAt }, problems };
}

export function parseTestFile(file: string, text: string): { cases: LoadedCase[]; problems: BundleProblem[] } {
  const { source, problems } = openYaml(file, text);
  if (problems.length > 0) return { cases: [], problems };
  const parsed = testFileSchema.safeParse(source.doc.toJS());
  if (!parsed.success) return { cases: [], problems: zodProblems(parsed.error.issues, source) };
  return buildCases(file, parsed.data, source);
}

export function zodProblems(issues: readonly z.core.$ZodIssue[], source: YamlSource, prefix: readonly (string | number)[] = []): BundleProblem[] {
  const out: BundleProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push(source.problemAt([...path, key], `unknown key "${key}"`));
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0 && issue.message.startsWith('Invalid input')) {
      out.push(...zodProblems(issue.errors[0] ?? [], source, path));
    } else {
      out.push(source.problemAt(path, issue.message));
    }
  }
  return out;
}

function buildCases(file: string, spec: TestFileSpec, source: YamlSource): { cases: LoadedCase[]; problems: BundleProblem[] } {
  const cases: LoadedCase[] = [];
  const problems: BundleProblem[] = [];
  const defaults = spec.defaults ?? {};
  spec.cases.forEach((raw, index) => {
    const base: (string | number)[] = ['cases', index];
    const merged: TestCaseSpec = { ...defaults, ...raw };
    if (merged.server === undefined) problems.push(source.problemAt(base, 'server is required (in the case or in defaults)'));
    const inputNode = source.doc.getIn([...base, 'input'], true) as Node | undefined;
    const input = yamlNodeToJsonText(inputNode, source.doc);
    if (input.kind === 'invalid') {
      problems.push({ code: 'test-file', file, ...source.position([...base, 'input']), message: `${formatPath([...base, 'input'])}: ${input.message}` });
      return;
    }
    cases.push({
      file,
      index,
      line: source.position(base).line,
      spec: merged,
      inputJson: input.text,
      locate: (path) => source.position(pathInCase(source.doc, base, path)),
    });
  });
  return { cases, problems };
}

/** A path inside a case, or, when the case inherits that field, the same path in `defaults`. */
function pathInCase(doc: Document, base: readonly (string | number)[], path: readonly (string | number)[]): (string | number)[] {
  const head = path[0];
  if (head !== undefined && !doc.hasIn([...base, head]) && doc.hasIn(['defaults', head])) return ['defaults', ...path];
  return [...base, ...path];
}

/** Where `path` is written: the key of its deepest existing entry (an unknown key: the key itself), else the node. */
function rangeStart(doc: Document, path: readonly (string | number)[]): number | undefined {
  for (let n = path.length; n >= 1; n--) {
    const parentPath = path.slice(0, n - 1);
    const parent = parentPath.length === 0 ? doc.contents : (doc.getIn(parentPath, true) as Node | undefined);
    const keyNode = isMap(parent) ? parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === path[n - 1])?.key : undefined;
    const keyRange = (keyNode as Node | undefined)?.range;
    if (keyRange !== undefined && keyRange !== null) return keyRange[0];
    const node = doc.getIn(path.slice(0, n), true) as Node | undefined;
    const range = node?.range;
    if (range !== undefined && range !== null) return range[0];
  }
  return doc.contents?.range?.[0];
}

export function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** Shape problems of every test file in the bundle (for `callgate validate`); never throws. */
export async function checkTestFiles(bundleDir: string): Promise<BundleProblem[]> {
  try {
    return [...(await readTestFiles(bundleDir)).problems];
  } catch (err) {
    return [{ code: 'io', file: TESTS_DIR, message: `cannot read the test files: ${(err as Error).message}` }];
  }
}
