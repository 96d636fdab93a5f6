/**
 * Preparses slices into cedar-wasm's thread-local cache under ids namespaced by a generation, each on its
 * first use: a bundle is ready without parsing every policy a second time (at 10,000 policies that took
 * ~2 s), and a slice costs ~0.2 ms per policy the first time a function of it is called. The memo belongs
 * to this engine instance, so a reload into a reused generation always re-preparses its own slices (the
 * cache has no delete: reusing the same ids keeps memory bounded by two generations, as watchBundle
 * alternates "a"/"b"). A slice Cedar refuses to preparse answers undefined, and the call is denied.
 * prepareNext lets the server preparse the rest in idle time after it is ready (warmBundle).
 */
import { preparsePolicySet } from '@cedar-policy/cedar-wasm/nodejs';

export interface PreparedEngine {
  /** The preparsed policy-set id of slice `index`, preparsed now if this is its first use. */
  sliceId(index: number): string | undefined;
  /** Preparse up to `count` slices not yet prepared (background warm-up); returns how many are left. */
  prepareNext(count: number): number;
}

export function prepareEngine(generation: string, slices: readonly (readonly string[])[], textById: ReadonlyMap<string, string>): PreparedEngine {
  const ids: (string | null | undefined)[] = new Array<string | null | undefined>(slices.length);
  let next = 0;
  const sliceId = (index: number): string | undefined => {
    const known = ids[index];
    if (known !== undefined) return known ?? undefined;
    const policies = slices[index];
    if (policies === undefined) return undefined;
    const id = `callgate/${generation}/slice/${index}`;
    const staticPolicies: Record<string, string> = {};
    for (const policyId of policies) staticPolicies[policyId] = textById.get(policyId) ?? '';
    try {
      ids[index] = preparsePolicySet(id, { staticPolicies }).type === 'success' ? id : null;
    } catch {
      ids[index] = null;
    }
    return ids[index] ?? undefined;
  };
  return {
    sliceId,
    prepareNext(count) {
      for (let done = 0; done < count && next < slices.length; next += 1) {
        if (ids[next] !== undefined) continue;
        sliceId(next);
        done += 1;
      }
      return slices.length - next;
    },
  };
}
