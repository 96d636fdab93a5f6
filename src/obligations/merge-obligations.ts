/** Merges the obligations of several deciding permits restrictively: the union of every list, sorted. */
import type { Obligations } from '../policy/types';

function unionSorted(lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())].sort();
}

export function mergeObligations(present: readonly Obligations[]): Obligations {
  return {
    mask: unionSorted(present.map((o) => o.mask)),
    maskFields: unionSorted(present.map((o) => o.maskFields)),
    redactArgs: unionSorted(present.map((o) => o.redactArgs)),
  };
}
