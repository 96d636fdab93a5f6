import { join } from 'node:path';
import { statefulIsAuthorized, type EntityJson, type StatefulAuthorizationCall } from '@cedar-policy/cedar-wasm/nodejs';
import { buildEntityStore, collectRequestEntities, uidKey } from '../../../src/policy/entity-store';
import { loadBundle } from '../../../src/policy/load-bundle';
import type { PolicyBundle } from '../../../src/policy/types';
import { context, decimal, principal } from './authorization-inputs';

const group = (id: string, parents: string[] = [], attrs: EntityJson['attrs'] = {}): EntityJson => ({
  uid: { type: 'Group', id },
  attrs,
  parents: parents.map((p) => ({ type: 'Group', id: p })),
});
const keys = (entities: EntityJson[]) => entities.map((e) => uidKey(e.uid)).sort();

describe('collectRequestEntities', () => {
  const store = buildEntityStore([
    group('a', ['b']),
    group('b', ['c']),
    group('c', ['a']), // a cycle must not loop
    group('lonely'),
    group('owner-team', [], { lead: { __entity: { type: 'User', id: 'lead' } } }),
    { uid: { type: 'User', id: 'lead' }, attrs: {}, parents: [{ type: 'Group', id: 'leads' }] },
    group('leads'),
    { uid: { type: 'Server', id: 'known' }, attrs: { owner: { __entity: { type: 'Group', id: 'owner-team' } } }, parents: [] },
    { uid: { type: 'User', id: 'stored-alice' }, attrs: { email: 'a@x' }, parents: [{ type: 'Group', id: 'lonely' }] },
  ]);

  it('precomputes the ancestor closure at load', () => {
    expect(store.ancestors.get(uidKey({ type: 'Group', id: 'a' }))).toEqual(['Group::"b"', 'Group::"c"']);
  });

  it('passes the principal, its ancestors and a bare resource, never the whole store', () => {
    const got = collectRequestEntities(store, { principal: principal('User', 'u', ['a']), requestEntities: [], resource: 'unknown' });
    expect(keys(got)).toEqual(['Group::"a"', 'Group::"b"', 'Group::"c"', 'Server::"unknown"', 'User::"u"']);
    expect(got.find((e) => uidKey(e.uid).startsWith('Server::'))).toEqual({ uid: { type: 'Server', id: 'unknown' }, attrs: {}, parents: [] });
  });

  it('follows entity references in attributes transitively, with their ancestors', () => {
    const got = collectRequestEntities(store, { principal: principal('User', 'u'), requestEntities: [], resource: 'known' });
    expect(keys(got)).toEqual(['Group::"leads"', 'Group::"owner-team"', 'Server::"known"', 'User::"lead"', 'User::"u"']);
  });

  it('includes request entities and what they reference; a stored principal adds its parents', () => {
    const agent = principal('Agent', 'bot', [], { onBehalfOf: { __entity: { type: 'User', id: 'stored-alice' } } });
    const got = collectRequestEntities(store, { principal: agent, requestEntities: [principal('User', 'extra', ['leads'])], resource: 'unknown' });
    expect(keys(got)).toEqual(['Agent::"bot"', 'Group::"leads"', 'Group::"lonely"', 'Server::"unknown"', 'User::"extra"', 'User::"stored-alice"']);
    const merged = collectRequestEntities(store, { principal: principal('User', 'stored-alice', ['a']), requestEntities: [], resource: 'x' });
    expect(merged.find((e) => uidKey(e.uid) === 'User::"stored-alice"')?.parents).toEqual([{ type: 'Group', id: 'a' }, { type: 'Group', id: 'lonely' }]);
  });

  it('merges a request entity with the stored entity of the same uid (an agent acting for a stored user)', () => {
    const agent = principal('Agent', 'bot', [], { onBehalfOf: { __entity: { type: 'User', id: 'stored-alice' } } });
    const fromToken = principal('User', 'stored-alice', ['a']);
    const got = collectRequestEntities(store, { principal: agent, requestEntities: [fromToken], resource: 'x' });
    const alice = got.find((e) => uidKey(e.uid) === 'User::"stored-alice"');
    expect(alice?.parents).toEqual([{ type: 'Group', id: 'a' }, { type: 'Group', id: 'lonely' }]);
    expect(alice?.attrs).toMatchObject({ email: 'a@x' });
    expect(keys(got)).toEqual(expect.arrayContaining(['Group::"lonely"', 'Group::"a"', 'Group::"b"', 'Group::"c"']));
  });
});

describe('what reaches Cedar (injected authorize seam)', () => {
  let bundle: PolicyBundle;
  const calls: StatefulAuthorizationCall[] = [];
  beforeAll(async () => {
    const result = await loadBundle(join(__dirname, '../../../policies'), {
      authorize: (call) => {
        calls.push(call);
        return statefulIsAuthorized(call);
      },
    });
    if (result.kind !== 'loaded') throw new Error('example bundle must load');
    bundle = result.bundle;
  });
  beforeEach(() => calls.splice(0));

  it('sends only the principal (its group path as its parents), the resource and the action lineage', () => {
    const d = bundle.evaluate({ principal: principal('User', 'bob', ['payments-admins']), requestEntities: [], action: 'payments.refund', resource: 'payments', context: context({ amount: decimal('1.00'), orderId: 'o' }, { kind: 'human' }) });
    expect(d.kind).toBe('allow');
    expect(calls).toHaveLength(1);
    // plus the action and its action groups: the schema is applied in JS, so Cedar gets the action lineage
    // the principal's groups are its parents; no policy of the slice reads a group or tests one with `in`
    // on the left, so the group entities themselves are left out (entity-reads.ts, "flattening"); the
    // action group Action::"payments" and Server::"payments" have no parents, attributes or tags, so they
    // decide as absent ones and are left out too (withoutBareEntities)
    expect(keys(calls[0]?.entities ?? [])).toEqual(['Action::"payments.refund"', 'User::"bob"']);
    expect((calls[0]?.entities ?? []).find((e) => uidKey(e.uid) === 'Action::"payments.refund"')?.parents.map((uid) => uidKey(uid))).toEqual(['Action::"payments"']);
    const bob = (calls[0]?.entities ?? []).find((e) => uidKey(e.uid) === 'User::"bob"');
    expect((bob?.parents ?? []).map((uid) => uidKey(uid)).sort()).toEqual(['Group::"payments-admins"', 'Group::"payments-team"']);
    expect(calls[0]).toMatchObject({ validateRequest: false, action: { type: 'Action', id: 'payments.refund' }, resource: { type: 'Server', id: 'payments' } });
    expect(calls[0]?.preparsedSchemaName).toBeUndefined();
    // only the context attributes the function's policies read (agents-read-only: caller; refunds: input)
    expect(Object.keys(calls[0]?.context ?? {}).sort()).toEqual(['caller', 'input']);
  });

  it('sends an agent (its groups as parents), the user it acts for, and that user\'s group path', () => {
    const agent = principal('Agent', 'copilot', ['agents'], { onBehalfOf: { __entity: { type: 'User', id: 'eve' } } });
    bundle.evaluate({ principal: agent, requestEntities: [principal('User', 'eve', ['oncall'])], action: 'search_issues', resource: 'tools', context: context({ query: 'q', repo: 'r' }, { kind: 'agent' }) });
    // Action::"readOnly", Group::"engineering" (oncall's parent) and Server::"tools" are bare: left out,
    // still reached through the parents that name them
    expect(keys(calls[0]?.entities ?? [])).toEqual(['Action::"search_issues"', 'Agent::"copilot"', 'Group::"oncall"', 'User::"eve"']);
    expect((calls[0]?.entities ?? []).find((e) => uidKey(e.uid) === 'Group::"oncall"')?.parents.map((uid) => uidKey(uid))).toEqual(['Group::"engineering"']);
    const copilot = (calls[0]?.entities ?? []).find((e) => uidKey(e.uid) === 'Agent::"copilot"');
    expect((copilot?.parents ?? []).map((uid) => uidKey(uid))).toEqual(['Group::"agents"']);
  });

  it('never calls Cedar for an unknown function', () => {
    const d = bundle.evaluate({ principal: principal('User', 'u'), requestEntities: [], action: 'nope', resource: 'tools', context: {} });
    expect(d).toMatchObject({ code: 'ERR_POLICY_UNKNOWN_FUNCTION' });
    expect(calls).toHaveLength(0);
  });

  it('denies (never throws) when the Cedar call throws', async () => {
    const result = await loadBundle(join(__dirname, '../../../policies'), { authorize: () => { throw new Error('wasm trap'); } });
    if (result.kind !== 'loaded') throw new Error('example bundle must load');
    const d = result.bundle.evaluate({ principal: principal('User', 'u'), requestEntities: [], action: 'ping', resource: 'tools', context: {} });
    expect(d).toMatchObject({ code: 'ERR_POLICY_UNKNOWN_FUNCTION' });
    const e = result.bundle.evaluate({ principal: principal('User', 'u'), requestEntities: [], action: 'mcp:ping', resource: 'tools', context: {} });
    expect(e).toEqual({ kind: 'deny', code: 'ERR_POLICY_EVALUATION', decidingPolicies: [], errors: [{ message: 'wasm trap' }] });
  });
});
