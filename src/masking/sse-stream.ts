/**
 * Event-by-event masking of a Server-Sent Events stream that arrives in arbitrary chunks. Bytes are decoded
 * as a UTF-8 stream (a character split across chunks is held), complete events (ended by a blank line) are
 * masked and released at once, and only the unfinished event is held back. The held-back tail is bounded:
 * an event longer than `maxEventBytes` fails the stream (closed) instead of growing without limit or
 * passing unmasked. A value split across chunks is therefore always seen whole.
 */
import { StringDecoder } from 'node:string_decoder';
import { applyPlanToJsonText } from './apply-plan';
import type { MaskCounts, MaskPlan } from './types';

export type SseStep = { readonly kind: 'emit'; readonly bytes: Buffer } | { readonly kind: 'too-large' };

export interface SseMasker {
  push(chunk: Buffer): SseStep;
  /** The end of the stream: the unfinished tail (if any) is masked and released. */
  end(): SseStep;
}

const EVENT_END = /\r\n\r\n|\n\n|\r\r/g;

/** Masks the `data:` lines of SSE text; other fields (event, id, retry, comments) pass unchanged. */
export function maskEventStreamText(text: string, plan: MaskPlan, counts: MaskCounts): string {
  return text
    .split(/(\r\n|\r|\n)/)
    .map((line) => {
      if (!line.startsWith('data:')) return line;
      const payload = line.slice(5);
      const lead = payload.startsWith(' ') ? ' ' : '';
      return `data:${lead}${applyPlanToJsonText(payload.slice(lead.length), plan, counts)}`;
    })
    .join('');
}

export function createSseMasker(plan: MaskPlan, counts: MaskCounts, maxEventBytes: number): SseMasker {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const release = (text: string): SseStep => ({ kind: 'emit', bytes: Buffer.from(text === '' ? '' : maskEventStreamText(text, plan, counts), 'utf8') });
  return {
    push(chunk) {
      pending += decoder.write(chunk);
      let cut = -1;
      for (const m of pending.matchAll(EVENT_END)) cut = m.index + m[0].length;
      // A lone "\r" at the end may still become "\r\n": keep the event open until the next chunk says.
      if (cut === pending.length && pending.endsWith('\r') && !pending.endsWith('\r\n\r\n')) cut = -1;
      const done = cut > 0 ? pending.slice(0, cut) : '';
      pending = cut > 0 ? pending.slice(cut) : pending;
      if (Buffer.byteLength(pending, 'utf8') > maxEventBytes) return { kind: 'too-large' };
      return release(done);
    },
    end() {
      const rest = pending + decoder.end();
      pending = '';
      return release(rest);
    },
  };
}
