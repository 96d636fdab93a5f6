/**
 * Masks a whole response body by its media type: JSON (and anything else textual) structure-aware,
 * `text/event-stream` event by event (each `data:` payload is masked as JSON, the framing is kept).
 */
import { maskJsonText } from '../masking/mask-json';
import type { MaskCounts, MaskPlan } from '../masking/types';

export function isEventStream(contentType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase().split(';')[0]?.trim() === 'text/event-stream';
}

/** Masks the `data:` lines of SSE text; other fields (event, id, retry, comments) pass unchanged. */
export function maskEventStreamText(text: string, plan: MaskPlan, counts: MaskCounts): string {
  return text
    .split(/(\r\n|\r|\n)/)
    .map((line) => {
      if (!line.startsWith('data:')) return line;
      const payload = line.slice(5);
      const lead = payload.startsWith(' ') ? ' ' : '';
      return `data:${lead}${maskJsonText(payload.slice(lead.length), plan, counts)}`;
    })
    .join('');
}

export function maskBodyText(text: string, contentType: string | undefined, plan: MaskPlan, counts: MaskCounts): string {
  return isEventStream(contentType) ? maskEventStreamText(text, plan, counts) : maskJsonText(text, plan, counts);
}
