import { Writable } from 'node:stream';
import { createLogger } from '../../../src/log/logger';
import { createMetrics } from '../../../src/metrics/metrics';
import { recordSessionEnd } from '../../../src/extproc/masking-settings';

describe('recordSessionEnd', () => {
  it('counts masked values by detector, bytes and failures, and logs the counts with the decision id', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const deps = { metrics: createMetrics({ collectProcessMetrics: false }), log: createLogger('info', sink) };
    recordSessionEnd(deps, { decisionId: 'd-1', counts: { pan: 2, field: 1 }, bytes: 100 }, undefined);
    recordSessionEnd(deps, { decisionId: 'd-2', counts: {}, bytes: 10 }, 'ERR_MASK_BODY_TOO_LARGE');
    recordSessionEnd(deps, { decisionId: 'd-3', counts: {}, bytes: 0 }, undefined);
    const text = await deps.metrics.registry.metrics();
    expect(text).toContain('callgate_masking_values_total{detector="pan"} 2');
    expect(text).toContain('callgate_masking_values_total{detector="field"} 1');
    expect(text).toContain('callgate_masking_bytes_total 110');
    expect(text).toContain('callgate_masking_stream_errors_total{reason="ERR_MASK_BODY_TOO_LARGE"} 1');
    expect(lines.map((l) => [l.decision_id, l.masked, l.failure])).toEqual([
      ['d-1', { pan: 2, field: 1 }, undefined],
      ['d-2', {}, 'ERR_MASK_BODY_TOO_LARGE'],
    ]);
  });
});
