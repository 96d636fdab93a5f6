/** Process config `audit.*` (and the detectors of `masking.*`) → the audit sink's and the record's settings. */
import type { Config } from '../config/schema';
import { buildCustomDetector, builtInDetector } from '../masking/detectors';
import type { MaskStyle } from '../masking/types';
import { KNOWN_DETECTORS } from '../obligations/detectors';
import type { AuditSinkSettings } from './audit-sink';
import type { AuditTrailSettings } from './record-decision';

export function auditSinkSettingsOf(config: Config): AuditSinkSettings {
  const a = config.audit;
  return {
    kind: a.sink,
    file: a.file,
    rotation: { maxBytes: a.rotate.max_bytes, daily: a.rotate.daily, keep: a.rotate.keep },
    signingKey: a.signing_key,
    everyRecords: a.checkpoint.every_records,
    everySeconds: a.checkpoint.every_seconds,
  };
}

function styleOf(config: Config): MaskStyle {
  const style = config.audit.mask_style;
  if (style !== 'token') return { kind: style };
  if (config.masking.token_key.length < 16) throw new Error('audit.mask_style token needs masking.token_key of at least 16 characters');
  return { kind: 'token', key: Buffer.from(config.masking.token_key, 'utf8') };
}

/** Every built-in detector plus the configured custom ones: recorded arguments are always scanned. */
export function auditTrailSettingsOf(config: Config): AuditTrailSettings {
  return {
    onFailure: config.audit.on_failure,
    record: {
      args: config.audit.args,
      masking: { detectors: [...KNOWN_DETECTORS.map(builtInDetector), ...config.masking.custom_detectors.map(buildCustomDetector)], style: styleOf(config) },
    },
  };
}
