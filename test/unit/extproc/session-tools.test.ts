/** The ext_proc session with a forwarded `visible_tools` list (tools/list filtering). */
import { jsonToStruct } from '../../../src/envoy/struct';
import { createSession, type Step } from '../../../src/extproc/session';
import type { ProcessingRequest__Output } from '../../../src/generated/envoy/service/ext_proc/v3/ProcessingRequest';
import type { JsonObject } from '../../../src/calls/types';

const settings = { style: { kind: 'full' as const }, customDetectors: [], maxBodyBytes: 1 << 20, maxEventBytes: 1 << 16 };

function meta(obligations: JsonObject): ProcessingRequest__Output['metadata_context'] {
  const m = { decision_id: 'd-1', decision: 'allow', obligations: { mask: [], mask_fields: [], redact_args: [], ...obligations } };
  return { filter_metadata: { 'envoy.filters.http.ext_authz': jsonToStruct(m) } } as never;
}

const hdrs = (pairs: Record<string, string>): never => ({ headers: { headers: Object.entries(pairs).map(([key, v]) => ({ key, value: '', raw_value: Buffer.from(v) })) }, end_of_stream: false }) as never;
const msg = (m: Partial<ProcessingRequest__Output>): ProcessingRequest__Output => m as ProcessingRequest__Output;

async function run(obligations: JsonObject, contentType: string, body: string): Promise<Step[]> {
  const s = createSession(settings);
  const steps: Step[] = [];
  steps.push(await s.handle(msg({ request: 'request_headers', request_headers: hdrs({ ':method': 'POST' }), metadata_context: meta(obligations) })));
  steps.push(await s.handle(msg({ request: 'response_headers', response_headers: hdrs({ 'content-type': contentType }) })));
  steps.push(await s.handle(msg({ request: 'response_body', response_body: { body: Buffer.from(body), end_of_stream: true } as never })));
  return steps;
}

const list = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { tools: [{ name: 'read_file' }, { name: 'delete_repo' }] } });

describe('session: tools/list filtering', () => {
  it('buffers the response, removes the other tools, fixes content-length and marks the answer private', async () => {
    const [first, second, third] = await run({ visible_tools: ['read_file'] }, 'application/json', list);
    expect(first?.kind === 'reply' && first.response.mode_override?.response_body_mode).toBe('BUFFERED');
    const cache = second?.kind === 'reply' ? second.response.response_headers?.response?.header_mutation?.set_headers?.[0]?.header : undefined;
    expect(cache?.key).toBe('cache-control');
    expect(Buffer.from(cache?.raw_value ?? '').toString()).toBe('private, no-store');
    const body = third?.kind === 'reply' ? third.response.response_body?.response?.body_mutation : undefined;
    const text = Buffer.from((body as { body: Buffer }).body).toString();
    expect(JSON.parse(text)).toEqual({ jsonrpc: '2.0', id: 1, result: { tools: [{ name: 'read_file' }] } });
  });

  it('an empty list (the listing failed) empties the result', async () => {
    const [, , third] = await run({ visible_tools: [] }, 'application/json', list);
    const body = third?.kind === 'reply' ? (third.response.response_body?.response?.body_mutation as { body: Buffer }).body : Buffer.alloc(0);
    expect(JSON.parse(Buffer.from(body).toString()).result.tools).toEqual([]);
  });

  it('fails closed on a list it cannot read, and on a malformed forwarded list', async () => {
    const [, , third] = await run({ visible_tools: ['read_file'] }, 'application/json', 'tools: delete_repo');
    expect(third).toMatchObject({ kind: 'fail', code: 'ERR_MASK_INVALID_BODY' });
    const [first] = await run({ visible_tools: 'read_file' }, 'application/json', list);
    expect(first).toMatchObject({ kind: 'fail', code: 'ERR_MASK_NO_DECISION' });
  });

  it('no visible_tools: no filtering and no buffering', async () => {
    const [first] = await run({}, 'application/json', list);
    expect(first?.kind === 'reply' && first.response.mode_override?.response_body_mode).toBe('NONE');
  });
});
