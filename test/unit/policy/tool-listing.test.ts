/** tools/list filtering, the policy side: Cedar partial evaluation (and concrete evaluation where nothing unknown is read) over the example bundle. */
import { join } from 'node:path';
import { statefulIsAuthorized, type AuthorizationAnswer, type CedarValueJson, type EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import { loadBundle } from '../../../src/policy/load-bundle';
import { formatProblems } from '../../../src/policy/format-problems';
import type { PolicyBundle } from '../../../src/policy/types';
import { context, input, principal, type Kind } from './authorization-inputs';

let bundle: PolicyBundle;

beforeAll(async () => {
  const result = await loadBundle(join(__dirname, '../../../policies'));
  if (result.kind === 'invalid') throw new Error(formatProblems(result.problems));
  bundle = result.bundle;
});

const unknown = (name: string): CedarValueJson => ({ __extn: { fn: 'unknown', arg: name } });

/** The listing context: input, approval and time unknown (what only a call fixes). */
function listing(p: EntityJson, kind: Kind, server = 'tools', requestEntities: EntityJson[] = []): Parameters<PolicyBundle['listTools']>[0] {
  return { principal: p, requestEntities, resource: server, context: { ...context({}, { kind }), input: unknown('input'), approval: unknown('approval'), time: unknown('time') } };
}

const tools = (l: ReturnType<PolicyBundle['listTools']>): readonly string[] => (l.kind === 'listed' ? l.tools : ['<failed>']);

describe('listTools (partial evaluation)', () => {
  it('an engineer may call the read-only functions on the tools server and create_issue, not the destructive ones', () => {
    // payments.get/list are in Action::"readOnly", which tools-engineering-read permits on Server::"tools".
    expect(tools(bundle.listTools(listing(principal('User', 'eve', ['engineering']), 'human')))).toEqual(['create_issue', 'payments.get', 'payments.list', 'read_file', 'search_issues']);
  });

  it('a platform admin sees the destructive tools too; never an mcp:* protocol action', () => {
    const listed = tools(bundle.listTools(listing(principal('User', 'pat', ['platform-admins']), 'human')));
    expect(listed).toEqual(['create_issue', 'delete_repo', 'payments.get', 'payments.list', 'read_file', 'run_sql', 'search_issues']);
    expect(listed.some((t) => t.startsWith('mcp:'))).toBe(false);
  });

  it('argument-dependent policies: read_file (forbidden only for some paths) and payments.refund (allowed only up to 500) are listed', () => {
    expect(tools(bundle.listTools(listing(principal('User', 'eve', ['engineering']), 'human')))).toContain('read_file');
    expect(tools(bundle.listTools(listing(principal('User', 'alice', ['payments-team']), 'human', 'payments')))).toEqual(['payments.charge', 'payments.get', 'payments.list', 'payments.refund']);
  });

  it('a tool only an approval can unlock is listed for a non-interactive service', () => {
    expect(tools(bundle.listTools(listing(principal('Service', 'ci', ['platform-admins']), 'service')))).toContain('delete_repo');
  });

  it('a forbid that holds whatever the arguments hides the tool (agents: only read-only tools)', () => {
    const copilot = principal('Agent', 'copilot', ['agents', 'engineering'], { onBehalfOf: { __entity: { type: 'User', id: 'eve' } } });
    const eve = principal('User', 'eve', ['engineering']);
    expect(tools(bundle.listTools(listing(copilot, 'agent', 'tools', [eve])))).toEqual(['payments.get', 'payments.list', 'read_file', 'search_issues']);
  });

  it('a caller with no permit on the server sees nothing', () => {
    expect(tools(bundle.listTools(listing(principal('User', 'alice', ['payments-team']), 'human')))).toEqual([]);
  });

  it('collects the masking obligations of every permit that may decide a listed tool', () => {
    const l = bundle.listTools(listing(principal('User', 'eve', ['engineering']), 'human'));
    expect(l.kind === 'listed' ? l.obligations.mask : []).toEqual(['api_token', 'aws_key', 'jwt', 'private_key']);
  });

  it('the same request is answered from the revision cache (same object)', () => {
    const request = listing(principal('User', 'eve', ['engineering']), 'human');
    expect(bundle.listTools(request)).toBe(bundle.listTools(request));
  });
});

describe('listTools: functions whose policies read no unknown are decided on the preparsed slice', () => {
  const load = async (authorize: NonNullable<Parameters<typeof loadBundle>[1]>['authorize']): Promise<PolicyBundle> => {
    const result = await loadBundle(join(__dirname, '../../../policies'), { authorize });
    if (result.kind === 'invalid') throw new Error(formatProblems(result.problems));
    return result.bundle;
  };
  const requests = (): Parameters<PolicyBundle['listTools']>[0][] => {
    const eve = principal('User', 'eve', ['engineering']);
    const copilot = principal('Agent', 'copilot', ['agents', 'engineering'], { onBehalfOf: { __entity: { type: 'User', id: 'eve' } } });
    return [
      listing(eve, 'human'),
      listing(principal('User', 'pat', ['platform-admins']), 'human'),
      listing(principal('User', 'alice', ['payments-team']), 'human', 'payments'),
      listing(principal('User', 'alice', ['payments-team']), 'human'),
      listing(principal('Service', 'ci', ['platform-admins']), 'service'),
      listing(principal('Service', 'ci', ['platform-admins']), 'service', 'payments'),
      listing(copilot, 'agent', 'tools', [eve]),
      listing(principal('User', 'nobody'), 'human'),
    ];
  };

  it('lists exactly what partial evaluation of every function lists, tools and obligations', async () => {
    const concreteCalls: string[] = [];
    const withSlices = await load((call) => {
      concreteCalls.push((call.action as { id: string }).id);
      return statefulIsAuthorized(call);
    });
    // a Cedar call that always throws sends every function to partial evaluation: the reference
    const partialOnly = await load(() => {
      throw new Error('no concrete evaluation');
    });
    const listed = requests().map((r) => withSlices.listTools(r));
    expect(listed).toEqual(requests().map((r) => partialOnly.listTools(r)));
    expect(listed.every((l) => l.kind === 'listed')).toBe(true);
    expect(listed.flatMap((l) => (l.kind === 'listed' ? l.tools : [])).length).toBeGreaterThan(10);
    // the shortcut was taken (functions whose policies read only the caller, groups and server) ...
    expect(concreteCalls.length).toBeGreaterThan(0);
    // ... and never for one whose policies read an argument (read_file forbids some paths)
    expect(concreteCalls).not.toContain('read_file');
    expect(concreteCalls).not.toContain('payments.refund');
  });

  it('with the preparsed room full (a cap of one policy) lists the same, and calls still decide as before', async () => {
    const result = await loadBundle(join(__dirname, '../../../policies'), { maxPreparedPolicies: 1 });
    if (result.kind === 'invalid') throw new Error(formatProblems(result.problems));
    const small = result.bundle;
    const call = input(principal('User', 'eve', ['engineering']), 'search_issues', 'tools', context({ query: 'q', repo: 'acme/app' }, { kind: 'human' }));
    const before = small.evaluate(call);
    // (that the listing never pushes a slice out is prepare-engine.test.ts's sliceWithoutEvicting)
    expect(requests().map((r) => small.listTools(r))).toEqual(requests().map((r) => bundle.listTools(r)));
    expect(small.slices?.().prepared).toBe(1);
    expect(small.evaluate(call)).toEqual(before);
  });

  const concreteAnswers: Record<string, AuthorizationAnswer & { type: 'success' }> = {
    deny: { type: 'success', response: { decision: 'deny', diagnostics: { reason: [], errors: [] } }, warnings: [] },
    'allow with an evaluation error': {
      type: 'success',
      response: { decision: 'allow', diagnostics: { reason: ['policy0'], errors: [{ policyId: 'policy0', error: { message: 'boom', help: null, code: null, url: null, severity: null } }] } },
      warnings: [],
    },
  };
  it.each(Object.keys(concreteAnswers))('hides a function whose concrete answer is: %s', async (name) => {
    const answer = concreteAnswers[name];
    if (answer === undefined) throw new Error(name);
    const answered = await load(() => answer);
    const eve = answered.listTools(listing(principal('User', 'eve', ['engineering']), 'human'));
    const reference = bundle.listTools(listing(principal('User', 'eve', ['engineering']), 'human'));
    // only functions decided by partial evaluation (they read an unknown) can still be listed
    expect(eve.kind === 'listed' ? eve.tools.length : -1).toBeLessThan(reference.kind === 'listed' ? reference.tools.length : 0);
    expect(eve.kind === 'listed' ? eve.tools : []).toContain('read_file');
  });
});
