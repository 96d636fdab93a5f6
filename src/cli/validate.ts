/** `callgate validate [DIR]`: load the bundle exactly as serve would; report every problem. */
import { loadBundle } from '../policy/load-bundle';
import { formatProblems } from '../policy/format-problems';

export interface ValidateResult {
  readonly ok: boolean;
  readonly output: string;
}

export async function runValidate(dir: string): Promise<ValidateResult> {
  const result = await loadBundle(dir);
  if (result.kind === 'loaded') {
    return { ok: true, output: `ok: ${dir}: ${result.bundle.policyIds.length} policies, revision ${result.bundle.revision}` };
  }
  return { ok: false, output: formatProblems(result.problems) };
}
