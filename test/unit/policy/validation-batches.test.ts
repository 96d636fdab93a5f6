import { policyToJson, schemaToJson, validate, type PolicyJson, type SchemaJson } from '@cedar-policy/cedar-wasm/nodejs';
import { batchForValidation, BATCH_ACTIONS } from '../../../src/policy/validation-batches';

const FUNCTIONS = 150;
const fn = (i: number) => `fn_${String(i).padStart(3, '0')}`;

function schemaOf(): SchemaJson<string> {
  const actions = Array.from({ length: FUNCTIONS }, (_, i) =>
    `action "${fn(i)}" in [${i % 2 === 0 ? '"even"' : '"odd"'}] appliesTo { principal: User, resource: Server, context: { input: { n: Long } } };`);
  const r = schemaToJson(`entity User; entity Server; action "even"; action "odd";\n${actions.join('\n')}`);
  if (r.type !== 'success') throw new Error(JSON.stringify(r.errors));
  return r.json;
}

const policies: Record<string, string> = {
  ok_single: `permit (principal, action == Action::"${fn(3)}", resource) when { context.input.n > 1 };`,
  bad_late: `permit (principal, action == Action::"${fn(140)}", resource) when { context.input.n == "x" };`,
  bad_attr: `permit (principal, action == Action::"${fn(77)}", resource) when { context.input.missing > 1 };`,
  names_other: `permit (principal, action == Action::"${fn(5)}", resource) when { action == Action::"${fn(120)}" || context.input.n > 0 };`,
  group_odd: `forbid (principal, action in Action::"odd", resource) when { context.input.n < 0 };`,
  group_bad: `forbid (principal, action in Action::"even", resource) when { context.input.n.foo };`,
  all: `permit (principal, action, resource) when { context.input.n > 3 };`,
  unknown_action: `permit (principal, action == Action::"nope", resource);`,
};

function invalidIds(answer: ReturnType<typeof validate>): string[] {
  if (answer.type !== 'success') return ['<failure>'];
  return [...new Set(answer.validationErrors.map((e) => e.policyId))].sort();
}

describe('batchForValidation', () => {
  const schema = schemaOf();
  const items = Object.entries(policies).map(([id, text]) => {
    const j = policyToJson(text);
    if (j.type !== 'success') throw new Error(id);
    return { id, text, json: j.json as PolicyJson };
  });

  it('finds exactly the invalid policies that validating against the whole schema finds', () => {
    const whole = invalidIds(validate({ schema, policies: { staticPolicies: policies }, validationSettings: { mode: 'strict' } }));
    const batched = batchForValidation(items, (i) => i.json, schema).flatMap((b) =>
      invalidIds(validate({ schema: b.schema, policies: { staticPolicies: Object.fromEntries(b.items.map((i) => [i.id, i.text])) }, validationSettings: { mode: 'strict' } })));
    expect(whole).toEqual(['bad_attr', 'bad_late', 'group_bad', 'unknown_action']);
    expect([...new Set(batched)].sort()).toEqual(whole);
  });

  it('puts every policy in exactly one batch, restricting schemas to a bounded number of functions', () => {
    const batches = batchForValidation(items, (i) => i.json, schema);
    expect(batches.flatMap((b) => b.items.map((i) => i.id)).sort()).toEqual(Object.keys(policies).sort());
    const restricted = batches.filter((b) => b.schema !== schema);
    expect(restricted.length).toBeGreaterThan(0);
    for (const b of restricted) {
      const functions = Object.values(b.schema['']!.actions).filter((a) => a.appliesTo !== undefined);
      expect(functions.length).toBeLessThanOrEqual(BATCH_ACTIONS);
    }
  });
});
