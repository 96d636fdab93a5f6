/** `callgate validate --format human|json|github` on the bundles in test/fixtures/validate/. */
import path from 'node:path';
import { runValidate } from '../../src/cli/validate';

const fixtures = path.relative(process.cwd(), path.join(__dirname, '../fixtures/validate'));
const bundle = (name: string) => `${fixtures}/${name}`;

describe('callgate validate', () => {
  it('passes a clean bundle in every format', async () => {
    const human = await runValidate(bundle('clean'));
    expect(human.ok).toBe(true);
    expect(human.output).toMatch(/^ok: .*clean: 1 policies, revision [0-9a-f]{16}$/);
    const json = await runValidate(bundle('clean'), { format: 'json' });
    expect(JSON.parse(json.output)).toEqual({ ok: true, dir: bundle('clean'), policies: 1, revision: expect.stringMatching(/^[0-9a-f]{16}$/), problems: [] });
    const github = await runValidate(bundle('clean'), { format: 'github' });
    expect(github.ok).toBe(true);
    expect(github.output).not.toContain('::error');
  });

  it('names file, line, column and policy of a mistyped argument, with Cedar help (human)', async () => {
    const result = await runValidate(bundle('mistyped-argument'));
    expect(result.ok).toBe(false);
    const [first, summary] = result.output.split('\n');
    expect(first).toBe(
      `${bundle('mistyped-argument')}/refunds.cedar:8:8: for policy \`refund-small\`, attribute \`input.amout\` in context for Action::"payments.refund" not found (did you mean \`amount\`?)`,
    );
    expect(summary).toBe(`1 problem in ${bundle('mistyped-argument')}`);
  });

  it('gives the same problem as one JSON object with separate fields', async () => {
    const result = await runValidate(bundle('mistyped-argument'), { format: 'json' });
    const parsed = JSON.parse(result.output) as { ok: boolean; problems: unknown[] };
    expect(parsed.ok).toBe(false);
    expect(parsed.problems).toEqual([
      {
        file: `${bundle('mistyped-argument')}/refunds.cedar`,
        line: 8,
        column: 8,
        code: 'validation',
        policy: 'refund-small',
        message: expect.stringContaining('attribute `input.amout` in context'),
        help: 'did you mean `amount`?',
      },
    ]);
  });

  it('emits one GitHub error annotation per problem, on the right line, help on a second line', async () => {
    const result = await runValidate(bundle('mistyped-argument'), { format: 'github' });
    expect(result.output).toBe(
      `::error file=${bundle('mistyped-argument')}/refunds.cedar,line=8,col=8,title=callgate validate%3A validation in policy refund-small::` +
        'for policy `refund-small`, attribute `input.amout` in context for Action::"payments.refund" not found%0Ahelp: did you mean `amount`?',
    );
  });

  it('reports every problem of a bundle at once, in nested folders, with policy ids where there is one', async () => {
    const result = await runValidate(bundle('several-problems'), { format: 'json' });
    const { problems } = JSON.parse(result.output) as { problems: Array<Record<string, unknown>> };
    const file = `${bundle('several-problems')}/team/refunds.cedar`;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file, line: 2, column: 1, code: 'annotation', policy: 'refund-small', message: expect.stringContaining('@colour') }),
        expect.objectContaining({ file, line: 10, column: 1, code: 'missing-id' }),
        expect.objectContaining({ file, line: 11, column: 8, code: 'validation', message: 'the types Long and String are not compatible' }),
      ]),
    );
    expect(problems).toHaveLength(3);
    const github = await runValidate(bundle('several-problems'), { format: 'github' });
    expect(github.output.split('\n')).toHaveLength(3);
    for (const line of github.output.split('\n')) expect(line).toMatch(new RegExp(`^::error file=${file.replace(/[.]/g, '\\.')},line=\\d+,col=\\d+,title=callgate validate%3A `));
  });

  it('reports a missing directory as a problem (not a crash)', async () => {
    const result = await runValidate(bundle('no-such-bundle'), { format: 'json' });
    expect(result.ok).toBe(false);
    expect(JSON.parse(result.output).problems[0]).toMatchObject({ code: 'io' });
  });
});
