/**
 * Masks every detector match in a text. Matches of all detectors are collected, overlaps resolved
 * (earliest start wins, then the longest), and replaced in one pass. Never throws on any input.
 */
import { renderMask } from './mask-style';
import { addCount, type Detector, type MaskCounts, type MaskStyle, type Span } from './types';

const NONE: Span[] = [];

export function findSpans(text: string, detectors: readonly Detector[]): Span[] {
  // Most strings match nothing: no array is built for them.
  let all: Span[] | undefined;
  for (const d of detectors) {
    const found = d.find(text);
    if (found.length > 0) all = all === undefined ? [...found] : all.concat(found);
  }
  if (all === undefined) return NONE;
  if (all.length === 1) return all;
  all.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Span[] = [];
  let end = -1;
  for (const span of all) {
    if (span.start >= end) {
      kept.push(span);
      end = span.end;
    }
  }
  return kept;
}

export function maskText(text: string, detectors: readonly Detector[], style: MaskStyle, counts: MaskCounts): string {
  if (detectors.length === 0) return text;
  const spans = findSpans(text, detectors);
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const span of spans) {
    out += text.slice(at, span.start) + renderMask(style, span.detector, text.slice(span.start, span.end));
    at = span.end;
    addCount(counts, span.detector);
  }
  return out + text.slice(at);
}
