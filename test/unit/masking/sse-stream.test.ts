import fc from 'fast-check';
import { builtInDetector } from '../../../src/masking/detectors';
import { createSseMasker, maskEventStreamText } from '../../../src/masking/sse-stream';
import type { MaskPlan } from '../../../src/masking/types';
import { KNOWN_DETECTORS } from '../../../src/obligations/detectors';

const plan: MaskPlan = { detectors: KNOWN_DETECTORS.map(builtInDetector), fields: ['$.cvv'], style: { kind: 'full' } };

function runChunks(chunks: Buffer[], maxEventBytes = 1 << 20): string {
  const masker = createSseMasker(plan, {}, maxEventBytes);
  const out: Buffer[] = [];
  for (const c of chunks) {
    const step = masker.push(c);
    if (step.kind !== 'emit') throw new Error('too large');
    out.push(step.bytes);
  }
  const last = masker.end();
  if (last.kind !== 'emit') throw new Error('too large');
  out.push(last.bytes);
  return Buffer.concat(out).toString('utf8');
}

const STREAM = Buffer.from(
  'event: message\r\nid: 1\r\ndata: {"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"card 4111 1111 1111 1111 — ünïcode"}],"structuredContent":{"cvv":"123"}}}\r\n\r\n' +
    ': keep-alive\n\ndata: {"email":"ana@example.com"}\n\ndata: tail 5555555555554444',
);

describe('SSE stream masking', () => {
  it('masks data lines event by event, keeps framing, fields and comments', () => {
    const out = runChunks([STREAM]);
    expect(out).not.toMatch(/4111|5555555555554444|ana@example|"123"/);
    expect(out).toContain('event: message\r\nid: 1\r\ndata: {');
    expect(out).toContain(': keep-alive\n\ndata: {"email":"[REDACTED:email]"}\n\n');
    expect(out.endsWith('data: tail [REDACTED:pan]')).toBe(true);
  });

  it('split at every byte offset: same output as in one piece (values split across chunks are still masked)', () => {
    const whole = runChunks([STREAM]);
    for (let i = 0; i <= STREAM.length; i += 1) {
      expect(runChunks([STREAM.subarray(0, i), STREAM.subarray(i)])).toBe(whole);
    }
  });

  it('property: any chunking of a stream with planted secrets gives the one-piece output', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: STREAM.length }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let at = 0;
        for (const p of points) {
          chunks.push(STREAM.subarray(at, p));
          at = p;
        }
        chunks.push(STREAM.subarray(at));
        expect(runChunks(chunks)).toBe(runChunks([STREAM]));
      }),
    );
  });

  it('releases each complete event at once and holds back only the unfinished one', () => {
    const masker = createSseMasker(plan, {}, 1024);
    const a = masker.push(Buffer.from('data: {"c":"4111111111111111"}\n\ndata: {"c":"4111')); 
    expect(a.kind === 'emit' && a.bytes.toString()).toBe('data: {"c":"[REDACTED:pan]"}\n\n');
    const b = masker.push(Buffer.from('111111111111"}\n\n'));
    expect(b.kind === 'emit' && b.bytes.toString()).toBe('data: {"c":"[REDACTED:pan]"}\n\n');
  });

  it('an event longer than the bound fails closed', () => {
    const masker = createSseMasker(plan, {}, 16);
    expect(masker.push(Buffer.from('data: 4111 1111 1111 1111 and more')).kind).toBe('too-large');
  });

  it('an event whose JSON spans several data lines is masked as the one payload a client sees', () => {
    const event =
      'id: 7\r\ndata: {"jsonrpc":"2.0","id":1,\r\ndata:  "result":{"structuredContent":{"cvv":"123","card":"4111 1111 1111 1111"}}}\r\nevent: message\r\n\r\n';
    const out = runChunks([Buffer.from(event)]);
    expect(out).not.toMatch(/"123"|4111/);
    const [block] = out.split('\r\n\r\n');
    const lines = (block ?? '').split('\r\n');
    expect(lines).toContain('id: 7');
    expect(lines).toContain('event: message');
    const payload = lines.filter((l) => l.startsWith('data:')).map((l) => l.replace(/^data: ?/, '')).join('\n');
    const parsed = JSON.parse(payload) as { result: { structuredContent: { cvv: string; card: string } } };
    expect(parsed.result.structuredContent.cvv).toMatch(/REDACTED/);
    expect(parsed.result.structuredContent.card).toBe('[REDACTED:pan]');
    expect(out.endsWith('\r\n\r\n')).toBe(true);
  });

  it('a tools/list result spread over data lines is filtered, not failed', () => {
    const toolsPlan: MaskPlan = { ...plan, visibleTools: new Set(['keep']) };
    const event = 'data: {"jsonrpc":"2.0","id":2,"result":{"tools":[\ndata: {"name":"keep"},{"name":"hide"}]}}\n\n';
    const counts = {};
    const out = maskEventStreamText(event, toolsPlan, counts);
    const payload = out.trimEnd().split('\n').map((l) => l.replace(/^data: ?/, '')).join('\n');
    expect((JSON.parse(payload) as { result: { tools: { name: string }[] } }).result.tools.map((t) => t.name)).toEqual(['keep']);
    expect(counts).toMatchObject({ hidden_tool: 1 });
  });

  it('maskEventStreamText never throws', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (t) => expect(typeof maskEventStreamText(t, plan, {})).toBe('string')));
  });
});
