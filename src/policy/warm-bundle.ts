/**
 * Slices are preparsed on first use (prepare-engine.ts) so a bundle is ready without parsing every policy
 * twice; this preparses the rest in small steps between other work (one setImmediate per step) while the
 * bundle serves, so first calls to a function soon stop paying for it. Stops when the bundle is replaced.
 */
import type { PolicyBundle } from './types';

export const WARM_STEP_SLICES = 1;

export function warmBundle(bundle: PolicyBundle, stillServing: () => boolean): void {
  const step = (): void => {
    if (!stillServing()) return;
    if ((bundle.warm?.(WARM_STEP_SLICES) ?? 0) > 0) setImmediate(step);
  };
  setImmediate(step);
}
