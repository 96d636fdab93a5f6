/** `callgate fmt --check|--write` with Cedar's formatter, on copies of test/fixtures/fmt/ bundles. */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runFmt } from '../../src/cli/fmt';

const fixtures = path.join(__dirname, '../fixtures/fmt');
const root = path.join(__dirname, '../..');

describe('callgate fmt', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'callgate-fmt-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('--check lists only the unformatted files and fails, without touching them', async () => {
    cpSync(path.join(fixtures, 'messy'), dir, { recursive: true });
    const before = readFileSync(path.join(dir, 'refunds.cedar'), 'utf8');
    const result = await runFmt(dir, 'check');
    expect(result.ok).toBe(false);
    expect(result.changed).toEqual([path.join(dir, 'refunds.cedar')]);
    expect(result.output).toBe(path.join(dir, 'refunds.cedar'));
    expect(result.diagnostics).toContain(`1 of 2 policy files in ${dir} are not formatted`);
    expect(readFileSync(path.join(dir, 'refunds.cedar'), 'utf8')).toBe(before);
  });

  it('--write rewrites them; comments survive; afterwards --check passes', async () => {
    cpSync(path.join(fixtures, 'messy'), dir, { recursive: true });
    const written = await runFmt(dir, 'write');
    expect(written.ok).toBe(true);
    expect(written.changed).toEqual([path.join(dir, 'refunds.cedar')]);
    const text = readFileSync(path.join(dir, 'refunds.cedar'), 'utf8');
    expect(text).toContain('// Refund rules. This header comment must survive formatting.');
    expect(text).toContain('// the small-refund limit');
    expect(text).toContain('permit (\n  principal in Group::"payments-team",');
    const again = await runFmt(dir, 'check');
    expect(again).toMatchObject({ ok: true, changed: [] });
  });

  it('reports a file Cedar cannot parse with file:line:column and changes nothing', async () => {
    cpSync(path.join(fixtures, 'broken'), dir, { recursive: true });
    const before = readFileSync(path.join(dir, 'bad.cedar'), 'utf8');
    const result = await runFmt(dir, 'write');
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.objectContaining({ code: 'format', file: path.join(dir, 'bad.cedar'), line: 3, column: 31 })]);
    expect(result.diagnostics).toMatch(/bad\.cedar:3:31: cannot parse input policies/);
    expect(readFileSync(path.join(dir, 'bad.cedar'), 'utf8')).toBe(before);
  });

  it('reports a missing directory instead of throwing', async () => {
    const result = await runFmt(path.join(dir, 'missing'), 'check');
    expect(result.ok).toBe(false);
    expect(result.problems[0]?.code).toBe('io');
  });

  it('keeps the bundled example policies formatted', async () => {
    const result = await runFmt(path.join(root, 'policies'), 'check');
    expect(result.problems).toEqual([]);
    expect(result.changed).toEqual([]);
  });
});
