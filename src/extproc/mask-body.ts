/**
 * Masks a whole response body by its media type: JSON (and anything else textual) structure-aware,
 * `text/event-stream` event by event (each `data:` payload is masked as JSON, the framing is kept).
 */
import { applyPlanToJsonText } from '../masking/apply-plan';
import type { MaskCounts, MaskPlan } from '../masking/types';
import { maskEventStreamText } from '../masking/sse-stream';

export function isEventStream(contentType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase().split(';')[0]?.trim() === 'text/event-stream';
}

export function maskBodyText(text: string, contentType: string | undefined, plan: MaskPlan, counts: MaskCounts): string {
  return isEventStream(contentType) ? maskEventStreamText(text, plan, counts) : applyPlanToJsonText(text, plan, counts);
}
