/** `callgate schema from-mcp|from-openapi` on test/fixtures/schema-gen/, fed back through the bundle loader. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSchemaFromMcp } from '../../src/cli/schema-from-mcp';
import { runSchemaFromOpenApi } from '../../src/cli/schema-from-openapi';
import { readOpenApi } from '../../src/schema-gen/openapi-operations';
import { readMcpTools } from '../../src/schema-gen/mcp-tools';
import { loadBundle } from '../../src/policy/load-bundle';
import { formatProblems } from '../../src/policy/format-problems';
import { context, decimal, input, principal } from '../unit/policy/authorization-inputs';

const fixture = (name: string) => path.join(__dirname, '../fixtures/schema-gen', name);

describe('callgate schema from-mcp', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'callgate-schema-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('declares every tool with a typed input and groups from its annotations (MCP defaults for absent hints)', async () => {
    const result = await runSchemaFromMcp(fixture('github-tools.json'), { group: 'github' });
    expect(result).toMatchObject({ exitCode: 0, diagnostics: '' });
    const text = result.schema ?? '';
    expect(text).toContain('action "search_issues" in ["readOnly", "openWorld", "github"]');
    expect(text).toContain('action "get_file_contents" in ["readOnly", "github"]');
    expect(text).toContain('action "create_issue" in ["openWorld", "github"]');
    expect(text).toContain('action "merge_pull_request" in ["destructive", "openWorld", "github"]');
    expect(text).toContain('action "delete_repository" in ["destructive", "github"]');
    expect(text).toContain('action "sponsor_maintainer" in ["destructive", "openWorld", "github"]'); // no annotations: MCP defaults
    expect(text).toContain('"ref"?: String,'); // anyOf [string, null], though required
    expect(text).toContain('"amount": decimal,');
    expect(text).toContain('"tiers"?: Set<{');
    expect(text).toContain('@doc("Search issues and pull requests in a repository.")');
  });

  it('emits a schema the bundle loader accepts, whose fields policies can read and the validator checks', async () => {
    const { schema } = await runSchemaFromMcp(fixture('github-tools.json'));
    writeFileSync(path.join(dir, 'schema.cedarschema'), schema ?? '');
    writeFileSync(
      path.join(dir, 'policies.cedar'),
      [
        '@id("sponsor-small")',
        'permit (principal, action == Action::"sponsor_maintainer", resource)',
        'when { context.input.amount.lessThanOrEqual(decimal("100.00")) && context.input.recipient.login == "octocat" };',
        '',
        '@id("read-only")',
        'permit (principal, action in Action::"readOnly", resource)',
        'when { context.input has labels && context.input.labels.contains("bug") };',
        '',
        '@id("no-destructive-agents")',
        'forbid (principal is Agent, action in Action::"destructive", resource);',
        '',
      ].join('\n'),
    );
    const loaded = await loadBundle(dir);
    if (loaded.kind === 'invalid') throw new Error(formatProblems(loaded.problems));
    const alice = principal('User', 'alice');
    const sponsor = (amount: string) => input(alice, 'sponsor_maintainer', 'github', context({ amount: decimal(amount), currency: 'USD', recipient: { login: 'octocat' } }, { kind: 'human' }));
    expect(loaded.bundle.evaluate(sponsor('20.00'))).toMatchObject({ kind: 'allow', decidingPolicies: ['sponsor-small'] });
    expect(loaded.bundle.evaluate(sponsor('250.00'))).toMatchObject({ kind: 'deny', code: 'ERR_POLICY_NOT_PERMITTED' });

    writeFileSync(path.join(dir, 'typo.cedar'), '@id("typo")\npermit (principal, action == Action::"sponsor_maintainer", resource)\nwhen { context.input.recipient.logn == "x" };\n');
    const typo = await loadBundle(dir);
    expect(typo.kind).toBe('invalid');
    if (typo.kind === 'invalid') expect(formatProblems(typo.problems)).toMatch(/typo\.cedar:3:8: .*recipient\.logn/);
  });

  it('refuses (exit 1, no schema) when constructs cannot be expressed, naming each JSON pointer', async () => {
    const result = await runSchemaFromMcp(fixture('unsupported-tools.json'));
    expect(result.exitCode).toBe(1);
    expect(result.schema).toBeUndefined();
    const file = fixture('unsupported-tools.json');
    for (const pointer of ['target/oneOf', 'headers/patternProperties', 'labels/additionalProperties', 'point/items', 'nothing/type', 'tree/$ref', 'anything']) {
      expect(result.diagnostics).toContain(`${file}#/tools/0/inputSchema/properties/${pointer}: `);
    }
    expect(result.diagnostics).toMatch(/7 construct\(s\) cannot be expressed in Cedar; no schema written/);
  });

  it('--allow-partial writes the rest, lists what is left out on stderr and as comments, and still loads', async () => {
    const result = await runSchemaFromMcp(fixture('unsupported-tools.json'), { allowPartial: true });
    expect(result.exitCode).toBe(0);
    expect(result.diagnostics).toContain('#/tools/0/inputSchema/properties/target/oneOf: ');
    const text = result.schema ?? '';
    expect(text).toContain('// not expressed: /tools/0/inputSchema/properties/target/oneOf: ');
    expect(text).toMatch(/context: \{ input: \{\n\s+"sql": String,\n\s+\} \}/);
    writeFileSync(path.join(dir, 'schema.cedarschema'), text);
    expect((await loadBundle(dir)).kind).toBe('loaded');
  });

  it('reads a bare {"tools": [...]} and reports documents that are not a tools/list result', async () => {
    expect((await readMcpTools({ tools: [{ name: 'a', inputSchema: { type: 'object' } }] })).functions.map((f) => f.name)).toEqual(['a']);
    expect((await readMcpTools({ jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'no' } })).problems).toEqual([{ pointer: '/error', message: expect.any(String) }]);
    const page = (names: string[], nextCursor?: string) => ({ jsonrpc: '2.0', id: 1, result: { tools: names.map((name) => ({ name, inputSchema: { type: 'object' } })), ...(nextCursor ? { nextCursor } : {}) } });
    const pages = await readMcpTools([page(['a', 'b'], 'c2'), page(['c'])]);
    expect(pages.functions.map((f) => f.name)).toEqual(['a', 'b', 'c']);
    expect(pages.problems).toEqual([]);
    expect((await readMcpTools(page(['a'], 'c2'))).problems).toEqual([{ pointer: '/result/nextCursor', message: expect.stringContaining('another page') }]);
    expect((await readMcpTools([page(['a'])])).functions[0]?.name).toBe('a');
    const bad = await readMcpTools({ tools: [{ name: 'mcp:x', inputSchema: {} }, { inputSchema: {} }, { name: 'b' }, { name: 'c', inputSchema: { type: 'object' } }, { name: 'c', inputSchema: { type: 'object' } }] });
    expect(bad.problems.map((p) => p.pointer)).toEqual(['/tools/0/name', '/tools/1/name', '/tools/2/inputSchema', '/tools/4/name']);
  });

  it('exits 2 on a file it cannot read or parse', async () => {
    expect((await runSchemaFromMcp(path.join(dir, 'missing.json'))).exitCode).toBe(2);
    writeFileSync(path.join(dir, 'bad.json'), '{"tools": [');
    expect((await runSchemaFromMcp(path.join(dir, 'bad.json'))).exitCode).toBe(2);
  });
});

describe('callgate schema from-openapi', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'callgate-openapi-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('declares one function per operationId from a YAML spec, input from the JSON body ($ref and allOf resolved)', async () => {
    const result = await runSchemaFromOpenApi(fixture('orders-openapi.yaml'));
    expect(result.diagnostics).toBe('');
    expect(result.exitCode).toBe(0);
    const text = result.schema ?? '';
    expect(text).toContain('action "orders.refund" in ["orders"]');
    expect(text).toMatch(/"orderId": String,\n\s+"amount": decimal,\n\s+"lines"\?: Set<\{\n\s+"sku": String,\n\s+"quantity": Long,/);
    expect(text).toMatch(/action "orders.cancel" in \["orders"\][^;]*"orderId": String,\n\s+"reason"\?: String,/);
    expect(text).toContain('action "orders.purge" in ["orders", "destructive"]');
    expect(text).toContain('action "orders.history" in ["readOnly"]');
    expect(text).toContain('@doc("Order management functions")\naction "orders";');
    writeFileSync(path.join(dir, 'schema.cedarschema'), text);
    writeFileSync(path.join(dir, 'p.cedar'), '@id("small-refunds")\npermit (principal, action == Action::"orders.refund", resource)\nwhen { context.input.amount.lessThan(decimal("50.0")) };\n');
    const loaded = await loadBundle(dir);
    if (loaded.kind === 'invalid') throw new Error(formatProblems(loaded.problems));
  });

  it('reports parameters, operations without operationId, non-JSON bodies and other versions', () => {
    const source = readOpenApi({
      openapi: '3.0.3',
      paths: {
        '/items/{id}': {
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          get: { operationId: 'items.get', parameters: [{ name: 'fields', in: 'query', schema: { type: 'string' } }] },
          put: { requestBody: { content: { 'application/json': { schema: { type: 'object' } } } } },
          post: { operationId: 'items.upload', requestBody: { content: { 'multipart/form-data': { schema: { type: 'object' } } } } },
        },
      },
    });
    expect(source.problems.map((p) => p.pointer)).toEqual(['/paths/~1items~1{id}/put']);
    const all = [...source.problems, ...source.functions.flatMap((f) => f.problems)].map((p) => p.pointer);
    expect(all).toEqual(expect.arrayContaining(['/paths/~1items~1{id}/parameters/0', '/paths/~1items~1{id}/get/parameters/0', '/paths/~1items~1{id}/post/requestBody/content']));
    expect(readOpenApi({ swagger: '2.0', paths: {} }).problems).toEqual([{ pointer: '/openapi', message: expect.stringContaining('"2.0"') }]);
  });

  it('exits 2 on a spec it cannot read', async () => {
    expect((await runSchemaFromOpenApi(path.join(dir, 'missing.yaml'))).exitCode).toBe(2);
  });
});
