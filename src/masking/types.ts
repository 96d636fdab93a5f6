/** Shared types of the masking room: detectors, styles and the per-response masking plan. */

/** A match a detector found: `[start, end)` in the scanned text. */
export interface Span {
  readonly start: number;
  readonly end: number;
  readonly detector: string;
}

/** Finds every occurrence of one kind of secret in a text. Never throws. */
export interface Detector {
  readonly name: string;
  /** Longest match this detector can produce, used to size the held-back tail when streaming. */
  readonly maxLength: number;
  find(text: string): Span[];
}

export type MaskStyle =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial' }
  | { readonly kind: 'token'; readonly key: Buffer };

/** What one response (or request body) must have masked. */
export interface MaskPlan {
  readonly detectors: readonly Detector[];
  /** RFC 9535 JSONPaths whose values are replaced whole. */
  readonly fields: readonly string[];
  readonly style: MaskStyle;
  /** tools/list filtering: only these tools stay in a `result.tools` list (absent: no filtering). */
  readonly visibleTools?: ReadonlySet<string>;
}

/** Masked values per detector (`field` for @mask_fields), for evidence and metrics. */
export type MaskCounts = Record<string, number>;

export function addCount(counts: MaskCounts, detector: string, n = 1): void {
  counts[detector] = (counts[detector] ?? 0) + n;
}
