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

/**
 * Masks the data of each event in SSE text; other fields (event, id, retry, comments) pass unchanged.
 * A client joins an event's `data:` lines with "\n" into one payload, so the lines are joined the same way
 * and masked as one payload (a JSON value spread over several lines still gets its fields masked and its
 * tool list filtered), then written back as one `data:` line per line of the masked payload.
 */
export function maskEventStreamText(text: string, plan: MaskPlan, counts: MaskCounts): string {
  return text
    .split(/(\r\n\r\n|\n\n|\r\r)/)
    .map((part, i) => (i % 2 === 1 ? part : maskEvent(part, plan, counts)))
    .join('');
}

interface SseLine {
  readonly text: string;
  readonly eol: string;
}

function maskEvent(event: string, plan: MaskPlan, counts: MaskCounts): string {
  const pieces = event.split(/(\r\n|\r|\n)/);
  const lines: SseLine[] = [];
  for (let i = 0; i < pieces.length; i += 2) lines.push({ text: pieces[i] ?? '', eol: pieces[i + 1] ?? '' });
  const dataAt = lines.flatMap((line, i) => (isDataLine(line.text) ? [i] : []));
  const first = dataAt[0];
  if (first === undefined) return event;
  const firstLine = lines[first] as SseLine;
  const lead = firstLine.text.startsWith('data: ') ? ' ' : '';
  const masked = applyPlanToJsonText(dataAt.map((i) => dataPayload(lines[i]?.text ?? '')).join('\n'), plan, counts);
  if (dataAt.length === 1) return lines.map((line, i) => (i === first ? `data:${lead}${masked}` : line.text) + line.eol).join('');
  // Several data lines: the first data line's position takes the masked payload's lines, the other data
  // lines go, and the event's lines are joined with the first data line's ending (never empty here).
  const dropped = new Set(dataAt.slice(1));
  const out = lines.flatMap((line, i) => (i === first ? masked.split('\n').map((m) => `data:${lead}${m}`) : dropped.has(i) ? [] : [line.text]));
  const trailing = lines[lines.length - 1]?.eol ?? '';
  return out.join(firstLine.eol) + trailing;
}

function isDataLine(line: string): boolean {
  return line === 'data' || line.startsWith('data:');
}

/** The field value: after "data:" and one optional space (the SSE rules). */
function dataPayload(line: string): string {
  const value = line.slice(5);
  return value.startsWith(' ') ? value.slice(1) : value;
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
