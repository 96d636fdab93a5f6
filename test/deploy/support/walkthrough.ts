/**
 * The walkthrough in docs/deployment.md as data: every ```sh block between the walkthrough markers, with
 * the `<!-- expect: "a" ;; "b" -->` and `<!-- expect-not: ... -->` comments just above it. Blocks marked
 * `sh needs-docker` are not part of it.
 */
import { readFileSync } from 'node:fs';

export interface WalkthroughBlock {
  readonly line: number;
  readonly script: string;
  readonly expect: readonly string[];
  readonly expectNot: readonly string[];
}

function parseList(text: string): string[] {
  return text.split(';;').map((part) => JSON.parse(part.trim()) as string);
}

export function readWalkthrough(file: string): WalkthroughBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.indexOf('<!-- walkthrough:start -->');
  const end = lines.indexOf('<!-- walkthrough:end -->');
  if (start < 0 || end < start) throw new Error(`${file}: no walkthrough markers`);
  const blocks: WalkthroughBlock[] = [];
  let expect: string[] = [];
  let expectNot: string[] = [];
  for (let i = start + 1; i < end; i += 1) {
    const line = lines[i] ?? '';
    const comment = /^<!-- (expect|expect-not): (.*) -->$/.exec(line);
    if (comment !== null) {
      if (comment[1] === 'expect') expect = parseList(comment[2] ?? '');
      else expectNot = parseList(comment[2] ?? '');
      continue;
    }
    if (!line.startsWith('```sh')) continue;
    const close = lines.indexOf('```', i + 1);
    if (line !== '```sh') throw new Error(`${file}:${i + 1}: only plain sh blocks belong in the walkthrough`);
    if (expect.length === 0) throw new Error(`${file}:${i + 1}: a walkthrough block without an expect comment`);
    blocks.push({ line: i + 1, script: lines.slice(i + 1, close).join('\n'), expect, expectNot });
    expect = [];
    expectNot = [];
    i = close;
  }
  return blocks;
}
