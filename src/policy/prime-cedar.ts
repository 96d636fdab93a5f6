/**
 * V8 compiles cedar-wasm's functions lazily, on their first call, on the calling thread: a process's first
 * preparse and first authorization cost ~100 and ~130 ms of compiling on one core (4.3 MB of wasm), and
 * before this ran they fell on the first Checks after `/readyz` said ready, above Envoy's 250 ms ext_authz
 * timeout (bench/README.md, "First Check after ready"). primeCedar makes one preparse and one authorization
 * of a fixed policy that uses what bundles use (a group hierarchy, attributes, context, a condition, a
 * forbid with an annotation), so the thread serves its first Check with those paths already compiled. It
 * runs once per thread (each worker thread has its own wasm instance), before the first bundle serves, and
 * leaves nothing preparsed behind. It never throws: priming is an optimisation, and a Cedar that fails here
 * fails the same way on the bundle's own calls, which deny. Its once-only setup would also queue ~400 ms of
 * background TurboFan recompiling under V8's default tier-up budget; bin/v8-flags.js raises the budget so it
 * does not (bench/README.md, "Wasm tier-up budget").
 */
import { preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';

const PRIME_ID = 'callgate/prime';
const PRIME_POLICIES = [
  'permit (principal in Group::"g", action == Action::"a", resource) when { context.input.n <= 10 && resource.owner == principal };',
  '@reason("r")',
  'forbid (principal, action, resource) when { context has region && context.region == "x" };',
].join('\n');

let primed = false;

/** True once this thread has primed (or tried to). */
export function cedarPrimed(): boolean {
  return primed;
}

/** Compiles cedar-wasm's preparse and authorization paths on this thread; answers whether Cedar allowed the probe. */
export function primeCedar(): boolean {
  if (primed) return false;
  primed = true;
  try {
    if (preparsePolicySet(PRIME_ID, { staticPolicies: PRIME_POLICIES }).type !== 'success') return false;
    const answer = statefulIsAuthorized({
      principal: { type: 'User', id: 'u' },
      action: { type: 'Action', id: 'a' },
      resource: { type: 'Server', id: 's' },
      context: { input: { n: 1 }, region: 'y' },
      preparsedPolicySetId: PRIME_ID,
      validateRequest: false,
      entities: [
        { uid: { type: 'User', id: 'u' }, attrs: {}, parents: [{ type: 'Group', id: 'g' }] },
        { uid: { type: 'Group', id: 'g' }, attrs: {}, parents: [] },
        { uid: { type: 'Server', id: 's' }, attrs: { owner: { __entity: { type: 'User', id: 'u' } } }, parents: [] },
      ],
    });
    return answer.type === 'success' && answer.response.decision === 'allow';
  } catch {
    return false;
  } finally {
    try {
      preparsePolicySet(PRIME_ID, { staticPolicies: {} });
    } catch {
      // nothing held: the preparse above failed too
    }
  }
}
