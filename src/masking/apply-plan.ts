/**
 * One JSON text (a body, or one SSE `data:` payload) through a response plan: tools/list filtering first
 * (when the decision lists visible tools), then masking (when it names detectors or fields).
 */
import { filterToolList } from './filter-tools';
import { maskJsonText } from './mask-json';
import { addCount, type MaskCounts, type MaskPlan } from './types';

/** A tools/list answer that could not be read: the exchange fails closed (ERR_MASK_INVALID_BODY). */
export class ToolListUnreadableError extends Error {
  constructor() {
    super('a tools/list answer is not JSON; it cannot be filtered');
    this.name = 'ToolListUnreadableError';
  }
}

export function applyPlanToJsonText(text: string, plan: MaskPlan, counts: MaskCounts): string {
  let out = text;
  if (plan.visibleTools !== undefined && out.trim() !== '') {
    const filtered = filterToolList(out, plan.visibleTools);
    if (filtered.kind === 'invalid') throw new ToolListUnreadableError();
    if (filtered.removed > 0) addCount(counts, 'hidden_tool', filtered.removed);
    out = filtered.text;
  }
  return plan.detectors.length > 0 || plan.fields.length > 0 ? maskJsonText(out, plan, counts) : out;
}
