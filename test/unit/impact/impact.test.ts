import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runImpact, type ImpactOptions } from '../../../src/cli/impact';
import { IMPACT_FIXTURE_CALLS, recordDecisions } from '../../support/record-decisions';

const fixtures = path.join(__dirname, '../../fixtures/impact');
const base = path.join(fixtures, 'base');
const head = path.join(fixtures, 'head');
const decisions = path.join(fixtures, 'decisions.jsonl');

const impact = (opts: Partial<ImpactOptions> = {}) => runImpact({ base, head, decisions: [decisions], ...opts }, {});

interface JsonEntry {
  kind: string;
  functions: string[];
  principal: string;
  decisionIds: string[];
  why?: string;
  base?: { decision: string; policies: { id: string; where: string | null }[]; obligations: { mask: string[] } };
  head?: { decision: string; policies: { id: string; where: string | null }[]; obligations: { mask: string[] } };
}

async function entries(): Promise<JsonEntry[]> {
  const result = await impact({ format: 'json', failOn: 'none' });
  return (JSON.parse(result.stdout) as { entries: JsonEntry[] }).entries;
}

describe('callgate impact', () => {
  it('the decisions fixture is what serve records for those calls against the base bundle', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'impact-')), 'decisions.jsonl');
    await recordDecisions(base, IMPACT_FIXTURE_CALLS, file);
    const replayed = ['decision_id', 'time', 'principal', 'caller', 'protocol', 'server', 'functions', 'args', 'args_masked', 'decision', 'reason', 'deciding_policies', 'policy_revision'];
    const pick = (text: string) => text.trim().split('\n').map((l) => {
      const record = (JSON.parse(l) as { record: Record<string, unknown> }).record;
      return Object.fromEntries(replayed.map((k) => [k, record[k]]));
    });
    expect(pick(readFileSync(file, 'utf8'))).toEqual(pick(readFileSync(decisions, 'utf8')));
  });

  it('reports a recorded denied call that the head allows, with the policy responsible (file:line)', async () => {
    const e = (await entries()).find((x) => x.kind === 'deny-to-allow');
    expect(e).toMatchObject({ functions: ['orders.refund'], principal: 'User::"alice"', decisionIds: ['d-refund-500', 'd-refund-500-again'] });
    expect(e?.base).toMatchObject({ decision: 'deny', policies: [] });
    expect(e?.head).toMatchObject({ decision: 'allow', policies: [{ id: 'orders-refund-small', where: `${head}/orders.cedar:16` }] });
  });

  it('reports allow → deny, a change of deciding policy, and a change of obligations', async () => {
    const all = await entries();
    expect(all.find((x) => x.kind === 'allow-to-deny')).toMatchObject({ functions: ['orders.export'], principal: 'User::"bob"', decisionIds: ['d-export-json'] });
    const policies = all.find((x) => x.kind === 'policies');
    expect(policies?.base?.policies.map((p) => p.id)).toEqual(['orders-list']);
    expect(policies?.head?.policies.map((p) => p.id)).toEqual(['orders-list-support']);
    const obligations = all.find((x) => x.kind === 'obligations');
    expect(obligations).toMatchObject({ decisionIds: ['d-get'], base: { obligations: { mask: ['pan'] } }, head: { obligations: { mask: ['email', 'pan'] } } });
    expect(all.map((x) => x.kind)).toEqual(['deny-to-allow', 'allow-to-deny', 'policies', 'obligations', 'undecidable']);
    expect(all.flatMap((x) => x.decisionIds)).not.toContain('d-refund-50'); // unchanged
    expect(all.flatMap((x) => x.decisionIds)).not.toContain('d-expired-token'); // decided before policy
  });

  it('reports a call whose masked argument a policy reads as undecidable, not guessed', async () => {
    const e = (await entries()).find((x) => x.kind === 'undecidable');
    expect(e).toMatchObject({ functions: ['orders.contact'], decisionIds: ['d-contact'] });
    expect(e?.why).toMatch(/orders-contact-own-domain \(.*orders\.cedar:31\) reads context\.input\.email, masked in the record \(\/email\)/);
  });

  it('treats records that kept only argument digests as undecidable where a policy reads an argument', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'impact-')), 'digest.jsonl');
    const lines = readFileSync(decisions, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { record: Record<string, unknown> });
    writeFileSync(file, lines.map((l) => JSON.stringify({ ...l.record, args: null, args_masked: null })).join('\n'));
    const result = await runImpact({ base, head, decisions: [file], format: 'json', failOn: 'none' }, {});
    const all = (JSON.parse(result.stdout) as { entries: JsonEntry[] }).entries;
    expect(all.find((x) => x.functions[0] === 'orders.refund')).toMatchObject({ kind: 'undecidable', why: expect.stringMatching(/only argument digests/) });
    // no policy reads its argument, but the schema needs it: not replayed on a made-up value either
    expect(all.find((x) => x.functions[0] === 'orders.list')).toMatchObject({ kind: 'undecidable', why: expect.stringMatching(/only argument digests, and orders\.list needs/) });
    expect(all.filter((x) => x.kind !== 'undecidable')).toEqual([]);
  });

  it('--fail-on: deny-to-allow by default; any; a list; none', async () => {
    const byDefault = await impact();
    expect(byDefault.exitCode).toBe(1);
    expect(byDefault.stderr).toMatch(/2 recorded decision\(s\) change in a way --fail-on refuses \(deny-to-allow\)/);
    expect(byDefault.stderr).toContain(`deny → allow: orders.refund by User::"alice" (d-refund-500, d-refund-500-again): base deny ERR_POLICY_NOT_PERMITTED by no policy; head allow by orders-refund-small (${head}/orders.cedar:16)`);
    expect((await impact({ failOn: 'none' })).exitCode).toBe(0);
    expect((await impact({ failOn: 'any' })).stderr).toMatch(/5 recorded decision\(s\).*deny-to-allow, allow-to-deny, policies, obligations/);
    expect((await impact({ failOn: 'obligations' })).exitCode).toBe(1);
    expect((await impact({ failOn: 'undecidable' })).exitCode).toBe(1);
    const sameBundle = await runImpact({ base, head: base, decisions: [decisions] }, {});
    expect(sameBundle).toMatchObject({ exitCode: 0, stderr: '' });
    expect((await runImpact({ base, head: base, decisions: [decisions], failOn: 'any' }, {})).exitCode).toBe(0);
    expect(await impact({ failOn: 'allow-to-deny,bogus' })).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/unknown kind "bogus"/) });
  });

  it('writes a Markdown summary for pull-request comments', async () => {
    const md = (await impact({ format: 'markdown' })).stdout;
    expect(md).toMatch(/^### callgate impact/);
    expect(md).toContain('| **deny → allow** | `orders.refund` | `User::"alice"` | deny ERR_POLICY_NOT_PERMITTED by no policy | allow by orders-refund-small (');
    expect(md).toContain('<details><summary>Undecidable from the records (1)</summary>');
  });

  it('skips approval events and checkpoints in the trail, and counts lines that are not records', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'impact-')), 'mixed.jsonl');
    const event = JSON.stringify({ seq: 99, record: { event: 'approval.requested', approval_id: 'a-1', decision_id: 'd-x' }, prev: 'x', hash: 'y' });
    writeFileSync(file, `${readFileSync(decisions, 'utf8')}${event}\nnot json\n`);
    const result = await runImpact({ base, head, decisions: [file], format: 'json', failOn: 'none' }, {});
    const report = JSON.parse(result.stdout) as { replayed: number; unreadable: string[] };
    expect(report.replayed).toBe(7);
    expect(report.unreadable).toEqual([`${file}:10`]);
  });

  it('refuses an invalid bundle (exit 2) naming the file', async () => {
    const broken = path.join(__dirname, '../../fixtures/bundles/parse-error');
    const result = await runImpact({ base, head: broken, decisions: [decisions] }, {});
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/head bundle is invalid/);
  });
});
