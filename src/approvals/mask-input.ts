/**
 * The input approvers see: every string masked by all built-in detectors (and the configured custom ones)
 * in the `full` style, so a card number or token in the arguments never reaches the approver page, a
 * webhook or the store unmasked.
 */
import { builtInDetector } from '../masking/detectors';
import { maskJsonText } from '../masking/mask-json';
import { KNOWN_DETECTORS } from '../obligations/detectors';
import type { Detector } from '../masking/types';
import type { JsonObject, JsonValue } from '../calls/types';

export function createInputMasker(custom: readonly Detector[]): (input: JsonObject) => JsonValue {
  const detectors = [...KNOWN_DETECTORS.map(builtInDetector), ...custom];
  const plan = { detectors, fields: [], style: { kind: 'full' } } as const;
  return (input) => JSON.parse(maskJsonText(JSON.stringify(input), plan, {})) as JsonValue;
}
