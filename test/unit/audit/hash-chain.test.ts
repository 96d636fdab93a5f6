/**
 * Record lines are serialised once (the canonical JSON of the record is both hashed and written): the line
 * still parses to {seq, record, prev, hash} with the hash a verifier recomputes, and files written before
 * (records in build order, `JSON.stringify` of the whole line) verify as before, alone or continued by the
 * current writer.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { chain, chainedLineText, EMPTY_CHAIN, hashLink, type ChainHead } from '../../../src/audit/hash-chain';
import { runAuditVerify } from '../../../src/cli/audit-verify';
import { buildAuditRecord } from '../../../src/audit/audit-record';
import type { AllowOutcome } from '../../../src/authz/outcome';
import type { Caller } from '../../../src/identity/types';
import { fileSettings, openSink, recordOf, tempDir, writeRecords } from '../../support/audit-files';

const caller = {
  kind: 'agent', interactive: false, authenticated: true, issuer: 'https://idp', scopes: ['tools'], source: 'jwt_authn', relatedEntities: [],
  principal: { uid: { type: 'Agent', id: 'bot' }, attrs: {}, parents: [{ type: 'Group', id: 'agents' }] },
} as Caller;
const outcome: AllowOutcome = {
  kind: 'allow', decisionId: 'd-1', requestId: 'r-1', caller, server: 'tools', protocol: 'mcp', bundleRevision: 'rev', decidingPolicies: ['p'],
  obligations: { mask: ['email'], maskFields: [], redactArgs: ['token'] },
  calls: [{ protocol: 'mcp', function: 'search', server: 'tools', jsonRpcId: 1, args: { zeta: 1, alpha: { b: [1.5, 'x', null], a: true }, token: 's', mail: 'a@example.com', 'é': '\ud800' } }],
};

/** What the writer produced before: the whole line through JSON.stringify, record keys in build order. */
function oldLine(head: ChainHead, record: object): { head: ChainHead; text: string } {
  const line = chain(head, record);
  return { head: { seq: line.seq, hash: line.hash }, text: `${JSON.stringify(line)}\n` };
}

describe('chainedLineText', () => {
  it('writes a line that parses back to the record with the hash a verifier recomputes', () => {
    const record = buildAuditRecord(outcome, 0.001, new Date('2026-11-25T10:00:00Z'));
    const { head, text } = chainedLineText({ seq: 41, hash: 'ab'.repeat(32) }, record);
    expect(text.endsWith('}\n')).toBe(true);
    const line = JSON.parse(text) as { seq: number; record: unknown; prev: string; hash: string };
    expect(Object.keys(line)).toEqual(['seq', 'record', 'prev', 'hash']);
    expect(line.record).toEqual(JSON.parse(JSON.stringify(record)));
    expect(line).toMatchObject({ seq: 42, prev: 'ab'.repeat(32), hash: head.hash });
    expect(head).toEqual({ seq: 42, hash: hashLink(line.prev, line.seq, line.record) });
    // the same hash the writer computed before for this record
    expect(head).toEqual(oldLine({ seq: 41, hash: 'ab'.repeat(32) }, record).head);
  });

  it('agrees with the previous writer on the hash of any JSON record', () => {
    const json = fc.jsonValue({ maxDepth: 4 }).filter((v) => !(typeof v === 'number' && Object.is(v, -0)));
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json), fc.nat(), (record, seq) => {
        const head = { seq, hash: EMPTY_CHAIN.hash };
        const now = chainedLineText(head, record);
        expect(now.head).toEqual(oldLine(head, record).head);
        const line = JSON.parse(now.text) as { seq: number; record: unknown; prev: string; hash: string };
        expect(hashLink(line.prev, line.seq, line.record)).toBe(now.head.hash);
      }),
    );
  });
});

describe('callgate audit verify across the line format change', () => {
  it('verifies a file written in the previous format, and the same file continued by the current writer', () => {
    const dir = tempDir();
    const file = path.join(dir, 'audit.jsonl');
    let head: ChainHead = EMPTY_CHAIN;
    let text = '';
    for (const record of [recordOf('old-1'), buildAuditRecord(outcome, 0.001, new Date('2026-11-25T10:00:00Z')), recordOf('old-3')]) {
      const line = oldLine(head, record);
      head = line.head;
      text += line.text;
    }
    writeFileSync(file, text);
    expect(readFileSync(file, 'utf8')).toContain('{"seq":1,"record":{"decision_id":"old-1","decision":"allow"');
    expect(runAuditVerify([file])).toEqual({ ok: true, output: expect.stringMatching(/^ok: 3 records/) });

    const sink = openSink(fileSettings(file)); // a restart on the upgraded build continues the chain
    writeRecords(sink, ['new-4', 'new-5']);
    sink.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[3]).toContain('{"seq":4,"record":{"decision":"allow","decision_id":"new-4"');
    expect(runAuditVerify([file])).toEqual({ ok: true, output: expect.stringMatching(/^ok: 5 records/) });

    appendFileSync(file, lines[3]?.replace('new-4', 'new-X') ?? ''); // and edits are still caught
    expect(runAuditVerify([file]).ok).toBe(false);
  });
});
