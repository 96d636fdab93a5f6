'use strict';
// The generated bench bundle is valid Cedar (strict, against callgate's base schema with the context
// callgate completes) and decides the way gen-bundle.js says it does.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const cedar = require('@cedar-policy/cedar-wasm/nodejs');
const { generateBundle } = require('../gen-bundle');

const BASE_SCHEMA = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'policy', 'base.cedarschema'), 'utf8');
const COMPLETED_CONTEXT = 'caller: CallerInfo, request: RequestInfo, approval: ApprovalInfo, time: TimeInfo }';

/** The bundle schema with each action's context completed the way callgate does, after the base schema. */
function completedSchema(dir) {
  const bundle = fs.readFileSync(path.join(dir, 'schema.cedarschema'), 'utf8');
  return `${BASE_SCHEMA}\n${bundle.replaceAll('region: String } }', `region: String }, ${COMPLETED_CONTEXT}`)}`;
}

function readPolicies(dir) {
  const policyDir = path.join(dir, 'policies');
  return fs.readdirSync(policyDir).sort().map((f) => fs.readFileSync(path.join(policyDir, f), 'utf8')).join('\n');
}

function contextFor(amount, region, kind = 'human') {
  return {
    input: { amount, region },
    caller: { kind, interactive: kind === 'human', authenticated: true, issuer: 'https://idp.example.com', scopes: [] },
    request: { method: 'POST', path: '/mcp', host: 'tools.example.com', protocol: 'mcp', id: 'r1', sourceIp: { __extn: { fn: 'ip', arg: '10.1.2.3' } } },
    approval: { granted: false },
    time: { epochSeconds: 1_750_000_000, hourUtc: 12, weekdayUtc: 3 },
  };
}

describe('gen-bundle', () => {
  let dir;
  let policies;
  let entities;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bundle-test-'));
    const result = generateBundle(dir);
    expect(result).toMatchObject({ functions: 100, policies: 1000 });
    policies = readPolicies(dir);
    entities = JSON.parse(fs.readFileSync(path.join(dir, 'entities.json'), 'utf8'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes 1,000 policies with unique @id annotations over 100 actions', () => {
    const ids = [...policies.matchAll(/@id\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    const schema = fs.readFileSync(path.join(dir, 'schema.cedarschema'), 'utf8');
    expect(schema.match(/^action "fn_\d{3}"/gm)).toHaveLength(100);
    expect(policies.match(/^forbid/gm)).toHaveLength(400);
    expect([...policies.matchAll(/^@reason\(/gm)]).toHaveLength(400);
  });

  it('nests groups three deep: team → dept → org', () => {
    const parentOf = new Map(entities.filter((e) => e.uid.type === 'Group').map((e) => [e.uid.id, e.parents.map((p) => p.id)]));
    expect(parentOf.get('team-7')).toEqual(['dept-2']);
    expect(parentOf.get('dept-2')).toEqual(['org']);
    expect(parentOf.get('org')).toEqual([]);
  });

  it('validates strictly against the base schema with the completed context', () => {
    const answer = cedar.validate({ schema: completedSchema(dir), policies: { staticPolicies: policies }, validationSettings: { mode: 'strict' } });
    expect(answer.type).toBe('success');
    expect(answer.validationErrors).toEqual([]);
  });

  it.each([
    // user-5 is in team-5 (→ dept-0 → org); fn_005's team permit allows ≤ 1000
    ['team permit', 'user-5', 'team-5', 'fn_005', 900, 'eu', 'human', 'allow'],
    ['over the function limit', 'user-5', 'team-5', 'fn_005', 9000, 'eu', 'human', 'deny'],
    ['org permit for tiny eu calls', 'user-1', 'team-1', 'fn_005', 50, 'eu', 'human', 'allow'],
    ['no permit for mid amounts outside the team', 'user-1', 'team-1', 'fn_005', 700, 'eu', 'human', 'deny'],
    ['agents are refused large calls', 'user-5', 'team-5', 'fn_005', 300, 'eu', 'agent', 'deny'],
    ['us region forbidden on every fifth function', 'user-10', 'team-10', 'fn_010', 50, 'us', 'human', 'deny'],
  ])('%s', (_name, user, team, fn, amount, region, kind, expected) => {
    const answer = cedar.isAuthorized({
      principal: { type: 'User', id: user },
      action: { type: 'Action', id: fn },
      resource: { type: 'Server', id: 'tools' },
      context: contextFor(amount, region, kind),
      schema: completedSchema(dir),
      validateRequest: true,
      policies: { staticPolicies: policies },
      entities: [...entities, { uid: { type: 'User', id: user }, attrs: {}, parents: [{ type: 'Group', id: team }] }],
    });
    expect(answer.type).toBe('success');
    expect(answer.response.diagnostics.errors).toEqual([]);
    expect(answer.response.decision).toBe(expected);
  });
});
