/**
 * Preparses slices into cedar-wasm's thread-local cache, each on its first use: a bundle is ready without
 * parsing every policy a second time, and a slice costs ~35 µs per policy the first time a function of it
 * is called. A slice is handed to Cedar as one policy-set text, its policies joined in slice order: that
 * parses ~3× faster than an id → text record (~120 µs per policy), and Cedar then names the policies by
 * position (`policy0`, …), which slice-policy-ids.ts maps back to the slice's ids. prepareNext lets the
 * server preparse the rest in idle time after it is ready (warmBundle).
 *
 * What cedar-wasm holds is bounded (`maxPreparedPolicies`, engine.max_prepared_policies): a preparsed
 * policy costs ~3 KB of wasm linear memory, which never shrinks (all 100,000 policies of the bench bundle:
 * ~300 MB). Slices live in an LRU whose size is their policy count; a slice pushed out leaves its slot to
 * the next slice preparsed (the cache has no delete; overwriting frees the memory for reuse; every free
 * slot but one is overwritten with an empty set at once) and is preparsed again on its next call (a miss:
 * ~35 µs per policy). Preparsed ids are slots `callgate/<generation>/slot/<n>`, reused as slices come and
 * go, so a generation never holds more than the cap plus one slice; watchBundle alternates two
 * generations. The idle-time warm-up only fills free room, it never pushes a slice out. A slice Cedar
 * refuses to preparse (or whose text is missing) answers undefined, and the call is denied.
 */
import { preparsePolicySet } from '@cedar-policy/cedar-wasm/nodejs';
import { LRUCache } from 'lru-cache';

export interface SliceProgress {
  /** Distinct slices of the bundle. */
  readonly total: number;
  /** Slices preparsed now. */
  readonly prepared: number;
  /** Slices the idle-time warm-up has still to visit (0: it has finished). */
  readonly pending: number;
}

/** A slice held in cedar-wasm's cache. */
export interface PreparedSlice {
  /** The preparsed policy-set id to evaluate against. */
  readonly id: string;
  /** The slice's policies in the order Cedar numbers them (`policy0` is the first): toBundlePolicyIds. */
  readonly policyIds: readonly string[];
}

export interface PreparedEngine {
  /** Slice `index`, preparsed now if it is not held; undefined: deny. */
  slice(index: number): PreparedSlice | undefined;
  /**
   * Slice `index` if it is held (its place in the LRU unchanged) or fits in the free room (preparsed now);
   * undefined otherwise, never pushing another slice out. For side work (tools/list) that must not evict
   * the slices calls keep hot.
   */
  sliceWithoutEvicting(index: number): PreparedSlice | undefined;
  /** Preparse up to `count` slices not yet prepared while there is room (warm-up); returns `pending`. */
  prepareNext(count: number): number;
  progress(): SliceProgress;
}

export interface PrepareOptions {
  /** Most policies (counted per slice) preparsed at once; the least recently used slices make room. 0 = no limit. */
  readonly maxPreparedPolicies: number;
}

export const UNBOUNDED: PrepareOptions = Object.freeze({ maxPreparedPolicies: 0 });

export function prepareEngine(
  generation: string,
  slices: readonly (readonly string[])[],
  textOf: (policyId: string) => string | undefined,
  options: PrepareOptions = UNBOUNDED,
): PreparedEngine {
  const cap = options.maxPreparedPolicies > 0 ? options.maxPreparedPolicies : Number.MAX_SAFE_INTEGER;
  const sizeOf = (index: number): number => Math.min(cap, Math.max(1, slices[index]?.length ?? 1));
  const freeSlots: string[] = [];
  let slotCount = 0;
  const held = new LRUCache<number, PreparedSlice>({
    maxSize: cap,
    sizeCalculation: (_slice, index) => sizeOf(index),
    disposeAfter: ({ id: slot }) => {
      // The next miss overwrites a free slot anyway, so one slot may keep its old policies until then
      // (emptying it cost ~60 µs per miss); any further one is emptied now, so what cedar-wasm holds stays
      // within the cap plus one slice.
      if (freeSlots.length > 0) preparsePolicySet(slot, { staticPolicies: {} });
      freeSlots.push(slot);
    },
  });
  const failed = new Set<number>();
  let next = 0;
  let warming = true;

  const prepare = (index: number): PreparedSlice | undefined => {
    const policies = slices[index];
    if (policies === undefined || failed.has(index)) return undefined;
    const texts: string[] = [];
    for (const policyId of policies) {
      const text = textOf(policyId);
      if (text === undefined) return markFailed(index);
      texts.push(text);
    }
    const slot = freeSlots.pop() ?? `callgate/${generation}/slot/${slotCount++}`;
    let ok = false;
    try {
      // Each text is exactly one policy (parse-policies.ts), so position i is policies[i].
      ok = preparsePolicySet(slot, { staticPolicies: texts.join('\n') }).type === 'success';
    } catch {
      ok = false;
    }
    if (!ok) {
      freeSlots.push(slot);
      return markFailed(index);
    }
    const prepared: PreparedSlice = { id: slot, policyIds: policies };
    held.set(index, prepared);
    return prepared;
  };
  const markFailed = (index: number): undefined => {
    failed.add(index);
    return undefined;
  };
  /** Slices the warm-up has still to visit (some may have been prepared by a call meanwhile). */
  const pending = (): number => (warming ? slices.length - next : 0);

  return {
    slice: (index) => held.get(index) ?? prepare(index),
    sliceWithoutEvicting: (index) => held.peek(index) ?? (held.calculatedSize + sizeOf(index) <= cap ? prepare(index) : undefined),
    prepareNext(count) {
      for (let done = 0; warming && done < count && next < slices.length; next += 1) {
        if (held.has(next) || failed.has(next)) continue;
        if (held.calculatedSize + sizeOf(next) > cap) warming = false;
        else {
          prepare(next);
          done += 1;
        }
      }
      if (next >= slices.length) warming = false;
      return pending();
    },
    progress: () => ({ total: slices.length, prepared: held.size, pending: pending() }),
  };
}
