/** Process config `masking.*` → the settings every ext_proc session uses; and where a session's evidence goes. */
import type { Config } from '../config/schema';
import type { Logger } from '../log/logger';
import type { Metrics } from '../metrics/metrics';
import { buildCustomDetector } from '../masking/detectors';
import type { MaskStyle } from '../masking/types';
import type { FailureCode, MaskingSettings, SessionReport } from './session';

function styleOf(config: Config['masking']): MaskStyle {
  if (config.style === 'token') return { kind: 'token', key: Buffer.from(config.token_key, 'utf8') };
  return { kind: config.style };
}

export function maskingSettingsOf(config: Config): MaskingSettings {
  return {
    style: styleOf(config.masking),
    customDetectors: config.masking.custom_detectors.map(buildCustomDetector),
    maxBodyBytes: config.masking.max_body_bytes,
    maxEventBytes: config.masking.max_event_bytes,
  };
}

/**
 * Evidence of one exchange: metrics, and a log line carrying the decision id so the mask counts join the
 * decision's audit record.
 */
export function recordSessionEnd(deps: { metrics: Metrics; log: Logger }, report: SessionReport, failure: FailureCode | undefined): void {
  for (const [detector, n] of Object.entries(report.counts)) deps.metrics.maskedValues.inc({ detector }, n);
  if (report.bytes > 0) deps.metrics.maskBytes.inc(report.bytes);
  if (failure !== undefined) deps.metrics.maskStreamErrors.inc({ reason: failure });
  if (failure !== undefined || Object.keys(report.counts).length > 0) {
    deps.log.info({ decision_id: report.decisionId, masked: report.counts, bytes: report.bytes, failure }, failure === undefined ? 'masked' : 'masking failed closed');
  }
}
