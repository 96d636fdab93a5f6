/**
 * The sliced, entity-pruned, preparsed evaluation must give exactly Cedar's answer over the whole policy
 * set with every entity: checked on many generated requests against the example bundle.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { isAuthorized, type CedarValueJson, type EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import { loadBundle, prepareBundle, readBaseSchema } from '../../../src/policy/load-bundle';
import { validateBundleFiles } from '../../../src/policy/validate-bundle';
import { createEvaluationPool } from '../../../src/policy/evaluation-pool';
import { readBundleFiles } from '../../../src/policy/bundle-files';
import { completeSchema, type CompletedSchema } from '../../../src/policy/complete-schema';
import { parsePolicyFiles } from '../../../src/policy/parse-policies';
import { checkPolicies } from '../../../src/policy/check-policies';
import { mapDecision } from '../../../src/policy/map-decision';
import type { PolicyAnnotations } from '../../../src/obligations/policy-annotations';
import type { PolicyBundle } from '../../../src/policy/types';
import { context, decimal, principal, type Kind } from './authorization-inputs';

const DIR = join(__dirname, '../../../policies');
let bundle: PolicyBundle;
let schema: CompletedSchema;
let allPolicies: Record<string, string>;
let annotations: Map<string, PolicyAnnotations>;
let storeEntities: EntityJson[];

beforeAll(async () => {
  const loaded = await loadBundle(DIR);
  if (loaded.kind !== 'loaded') throw new Error('example bundle must load');
  bundle = loaded.bundle;
  const files = await readBundleFiles(DIR);
  const completed = completeSchema({ baseText: readFileSync(join(__dirname, '../../../src/policy/base.cedarschema'), 'utf8'), userFile: 'schema.cedarschema', userText: files.schema?.text ?? '' });
  if (completed.kind !== 'ok') throw new Error('schema must complete');
  schema = completed.schema;
  const checked = checkPolicies(parsePolicyFiles(files.policies).policies, schema.json);
  allPolicies = Object.fromEntries(checked.policies.map((p) => [p.id, p.text]));
  annotations = new Map(checked.policies.map((p) => [p.id, p.annotations]));
  storeEntities = JSON.parse(files.entities?.text ?? '[]') as EntityJson[];
});

const GROUPS = ['payments-team', 'payments-admins', 'engineering', 'platform-admins', 'oncall', 'agents', 'unknown-group'];
const str = fc.constantFrom('acme/app', 'app/.env', 'x/secrets/y', 'EUR', 'JPY', 'GBP', 'p-1', '');
const dec = fc.constantFrom('0.01', '20.00', '500.00', '500.01', '9999.99').map(decimal);
const FIELDS: Record<string, Record<string, fc.Arbitrary<CedarValueJson>>> = {
  'payments.get': { paymentId: str },
  'payments.list': { customerId: str, limit: fc.integer({ min: 0, max: 100 }) },
  'payments.charge': { amount: dec, currency: str, customerId: str, description: str },
  'payments.refund': { amount: dec, orderId: str, reason: str },
  search_issues: { query: str, repo: str },
  read_file: { path: str },
  create_issue: { repo: str, title: str, body: str },
  delete_repo: { repo: str },
  run_sql: { query: str },
  'mcp:resources/read': { uri: str },
  'mcp:prompts/get': { name: str },
};
const ACTIONS = [...Object.keys(FIELDS), 'mcp:tools/list', 'mcp:initialize', 'mcp:ping'];

const inputFor = (action: string): fc.Arbitrary<Record<string, CedarValueJson>> => {
  const fields = FIELDS[action] ?? {};
  // Occasionally drop a field or give it a wrong type, so request-invalid answers are compared too.
  const entries = Object.entries(fields).map(([k, arb]) => fc.tuple(fc.constant(k), fc.oneof({ weight: 12, arbitrary: arb.map((v) => ({ v })) }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant({ v: true as CedarValueJson }) })));
  return fc.tuple(...entries).map((pairs) => Object.fromEntries(pairs.filter(([, v]) => v !== undefined).map(([k, v]) => [k, (v as { v: CedarValueJson }).v])));
};

const requestArb = fc.constantFrom(...ACTIONS).chain((action) =>
  fc.record({
    action: fc.constant(action),
    type: fc.constantFrom('User' as const, 'Service' as const, 'Agent' as const, 'Anonymous' as const),
    groups: fc.subarray(GROUPS),
    withOnBehalf: fc.boolean(),
    kind: fc.constantFrom<Kind>('human', 'service', 'agent', 'anonymous'),
    interactive: fc.boolean(),
    authenticated: fc.boolean(),
    approved: fc.boolean(),
    resource: fc.constantFrom('payments', 'tools', 'elsewhere'),
    args: inputFor(action),
  }),
);

describe('sliced evaluation (schema applied in JS, context pruned) equals Cedar over the whole set with its schema', () => {
  it('for many generated requests', () => {
    let decided = 0;
    fc.assert(
      fc.property(requestArb, (r) => {
        const attrs: Record<string, CedarValueJson> = r.type === 'Agent' && r.withOnBehalf ? { onBehalfOf: { __entity: { type: 'User', id: 'eve' } } } : {};
        const p = principal(r.type, 'caller', r.type === 'Anonymous' ? [] : r.groups, attrs);
        const related = r.type === 'Agent' && r.withOnBehalf ? [principal('User', 'eve', ['engineering'])] : [];
        const ctx = context(r.args, { kind: r.kind, interactive: r.interactive, authenticated: r.authenticated }, r.approved);
        const sliced = bundle.evaluate({ principal: p, requestEntities: related, action: r.action, resource: r.resource, context: ctx });
        const whole = isAuthorized({
          principal: p.uid,
          action: { type: 'Action', id: r.action },
          resource: { type: 'Server', id: r.resource },
          context: ctx,
          schema: schema.json,
          validateRequest: true,
          policies: { staticPolicies: allPolicies },
          entities: [p, ...related, ...storeEntities],
        });
        if (sliced.kind === 'allow' || sliced.decidingPolicies.length > 0) decided += 1;
        const reference = mapDecision(whole, annotations);
        if (reference.kind === 'deny' && reference.code === 'ERR_POLICY_REQUEST_INVALID') {
          // callgate applies the schema in JS (its messages differ from Cedar's); the verdict must not.
          expect(sliced).toMatchObject({ kind: 'deny', code: 'ERR_POLICY_REQUEST_INVALID', decidingPolicies: [] });
        } else {
          expect(sliced).toEqual(reference);
        }
      }),
      { numRuns: 300, seed: 424242 },
    );
    expect(decided).toBeGreaterThan(25); // the generator reaches deciding policies, not only default denies
  });
});

describe('the worker pool (engine.workers) decides as the in-thread bundle', () => {
  it('for the same generated requests (dist/policy/pool-worker.js: `npm run build` first)', async () => {
    const validated = validateBundleFiles(await readBundleFiles(DIR), await readBaseSchema());
    if (validated.kind !== 'valid') throw new Error('example bundle must validate');
    const local = prepareBundle(validated.validated);
    if (local.kind !== 'loaded') throw new Error('example bundle must prepare');
    const pool = createEvaluationPool({ size: 2 });
    try {
      const staged = pool.stage(validated.validated);
      await staged.ready;
      const inputs = fc.sample(requestArb, { numRuns: 300, seed: 424242 }).map((r) => {
        const attrs: Record<string, CedarValueJson> = r.type === 'Agent' && r.withOnBehalf ? { onBehalfOf: { __entity: { type: 'User', id: 'eve' } } } : {};
        const p = principal(r.type, 'caller', r.type === 'Anonymous' ? [] : r.groups, attrs);
        const related = r.type === 'Agent' && r.withOnBehalf ? [principal('User', 'eve', ['engineering'])] : [];
        const ctx = context(r.args, { kind: r.kind, interactive: r.interactive, authenticated: r.authenticated }, r.approved);
        return { principal: p, requestEntities: related, action: r.action, resource: r.resource, context: ctx };
      });
      const expected = inputs.map((i) => local.bundle.evaluate(i));
      expect(expected.filter((d) => d.kind === 'allow').length).toBeGreaterThan(10);
      expect(await Promise.all(inputs.map((i) => staged.evaluate(i)))).toEqual(expected);
    } finally {
      await pool.close();
    }
  }, 60_000);
});
