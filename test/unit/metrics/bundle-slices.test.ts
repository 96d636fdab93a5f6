/** The slice gauges read the serving bundle's preparsed slices at each scrape (bench/scaling.js waits on them). */
import { createMetrics } from '../../../src/metrics/metrics';

describe('bundle slice gauges', () => {
  it('read 0 without a bundle, then the observed progress at every scrape', async () => {
    const metrics = createMetrics({ collectProcessMetrics: false });
    expect(await metrics.registry.metrics()).toMatch(/^callgate_bundle_warmup_pending_slices 0$/m);
    let progress = { total: 10, prepared: 4, pending: 6 };
    metrics.observeBundleSlices(() => progress);
    const first = await metrics.registry.metrics();
    expect(first).toMatch(/^callgate_bundle_slices 10$/m);
    expect(first).toMatch(/^callgate_bundle_slices_prepared 4$/m);
    expect(first).toMatch(/^callgate_bundle_warmup_pending_slices 6$/m);
    progress = { total: 10, prepared: 10, pending: 0 };
    expect(await metrics.registry.metrics()).toMatch(/^callgate_bundle_warmup_pending_slices 0$/m);
  });
});
