import { policyToJson, type PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { canApplyTo, readsOfPolicy } from '../../../src/impact/policy-reads';

function reads(text: string) {
  const json = policyToJson(text);
  if (json.type !== 'success') throw new Error('bad policy');
  return readsOfPolicy('p', 'x.cedar:1', json.json as PolicyJson);
}

describe('what a policy reads', () => {
  it('collects attribute paths off context and principal, through has and nested access', () => {
    const r = reads('permit (principal, action, resource) when { context.input.card.number == "x" && context has input && principal.email like "*" && context.request.path == "/" };');
    expect(r.paths).toEqual(expect.arrayContaining([['context', 'input', 'card', 'number'], ['context', 'input'], ['principal', 'email'], ['context', 'request', 'path']]));
    expect(r.wholeVars.has('context')).toBe(false);
  });

  it('notices context used whole', () => {
    expect(reads('permit (principal, action, resource) when { context == {} };').wholeVars.has('context')).toBe(true);
  });

  it('knows which functions its action scope can match (groups conservatively)', () => {
    const isFunction = (n: string) => n.includes('.');
    expect(canApplyTo(reads('permit (principal, action == Action::"a.b", resource);'), 'a.b', isFunction)).toBe(true);
    expect(canApplyTo(reads('permit (principal, action == Action::"a.b", resource);'), 'a.c', isFunction)).toBe(false);
    expect(canApplyTo(reads('permit (principal, action in [Action::"a.b", Action::"a.c"], resource);'), 'a.d', isFunction)).toBe(false);
    expect(canApplyTo(reads('permit (principal, action in Action::"payments", resource);'), 'a.d', isFunction)).toBe(true);
    expect(canApplyTo(reads('permit (principal, action, resource);'), 'a.d', isFunction)).toBe(true);
  });
});
