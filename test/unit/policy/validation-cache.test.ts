/**
 * The validation cache: a hit gives the same bundle as full validation without validating again (seen by
 * planting an intact entry that differs from the files: a hit serves the entry); a changed
 * file, a corrupt entry, an entry for another key or a wrong shape are misses (full validation); an invalid
 * bundle is never stored.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { loadBundle } from '../../../src/policy/load-bundle';
import { readValidationCache, writeValidationCache, KEEP_ENTRIES } from '../../../src/policy/validation-cache';
import type { PolicyBundle } from '../../../src/policy/types';
import { context, input, principal } from './authorization-inputs';

const EXAMPLE = join(__dirname, '../../../policies');
let work: string;
let bundleDir: string;
let cacheDir: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'callgate-vcache-'));
  bundleDir = join(work, 'bundle');
  cacheDir = join(work, 'cache');
  cpSync(EXAMPLE, bundleDir, { recursive: true });
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

const rehash = (body: string): string => `${createHash('sha256').update(body).digest('hex')}\n${body}`;
const entries = (): string[] => readdirSync(cacheDir).filter((n) => n.endsWith('.validated.json'));

async function load(): Promise<PolicyBundle> {
  const result = await loadBundle(bundleDir, { cacheDir });
  if (result.kind !== 'loaded') throw new Error(`bundle did not load: ${JSON.stringify(result.problems)}`);
  return result.bundle;
}

const requests = [
  input(principal('User', 'alice', ['payments-team']), 'payments.get', 'payments', context({ paymentId: 'p-1' }, { kind: 'human' })),
  input(principal('User', 'bob', ['engineering']), 'payments.get', 'payments', context({ paymentId: 'p-1' }, { kind: 'human' })),
  input(principal('Anonymous', 'anon'), 'search_issues', 'tools', context({ query: 'q', repo: 'acme/app' }, { kind: 'anonymous' })),
  input(principal('Agent', 'bot', ['agents']), 'delete_repo', 'tools', context({ repo: 'acme/app' }, { kind: 'agent' })),
];

describe('validation cache (engine.cache_dir)', () => {
  it('stores a valid bundle, then loads it again from the entry, deciding the same', async () => {
    const fresh = await load();
    expect(entries()).toHaveLength(1);
    const cached = await load();
    expect(cached.revision).toBe(fresh.revision);
    expect(cached.policyIds).toEqual(fresh.policyIds);
    const decisions = requests.map((r) => fresh.evaluate(r));
    expect(decisions.map((d) => d.kind)).toContain('allow');
    expect(decisions.map((d) => d.kind)).toContain('deny');
    expect(requests.map((r) => cached.evaluate(r))).toEqual(decisions);

    // A hit really skips validation: an intact entry planted without one policy is what gets served.
    const [name] = entries();
    const path = join(cacheDir, name ?? '');
    const raw = readFileSync(path, 'utf8');
    const entry = JSON.parse(raw.slice(raw.indexOf('\n') + 1)) as { validated: { policies: { id: string }[] } };
    const dropped = entry.validated.policies.shift();
    writeFileSync(path, rehash(JSON.stringify(entry)));
    const planted = await load();
    expect(planted.policyIds).toEqual(fresh.policyIds.filter((id) => id !== dropped?.id));
  });

  it('stores each distinct policy reads once, and reads them back as the policies\' reads', async () => {
    const alike = (id: string) => `@id("${id}")\n@reason("frozen")\nforbid (principal, action == Action::"payments.refund", resource);\n`;
    writeFileSync(join(bundleDir, 'alike.cedar'), `${alike('frozen-1')}${alike('frozen-2')}`);
    const fresh = await load();
    const [name] = entries();
    const raw = readFileSync(join(cacheDir, name ?? ''), 'utf8');
    const entry = JSON.parse(raw.slice(raw.indexOf('\n') + 1)) as { reads: unknown[]; validated: { policies: { reads: number }[] } };
    expect(entry.reads.length).toBeGreaterThan(1);
    expect(entry.reads.length).toBeLessThan(entry.validated.policies.length);
    expect(new Set(entry.reads.map((r) => JSON.stringify(r))).size).toBe(entry.reads.length);
    const hit = await readValidationCache(cacheDir, (name ?? '').replace('.validated.json', ''));
    expect(hit?.policies.map((p) => p.reads)).toEqual(entry.validated.policies.map((p) => entry.reads[p.reads]));
    expect(hit?.policies.map((p) => p.id)).toEqual(fresh.policyIds);
  });

  it('reads back an entry holding non-ASCII text (the digest is over the UTF-8 bytes)', async () => {
    const reason = 'refunds are frozen — über ✓ 🚫';
    writeFileSync(join(bundleDir, 'unicode.cedar'), `@id("unicode-reason")\n@reason("${reason}")\nforbid (principal, action == Action::"payments.refund", resource);\n`);
    const fresh = await load();
    const [name] = entries();
    const hit = await readValidationCache(cacheDir, (name ?? '').replace('.validated.json', ''));
    expect(hit?.policies.find((p) => p.id === 'unicode-reason')?.text).toContain(reason);
    expect((await load()).policyIds).toEqual(fresh.policyIds);
  });

  it('validates in full when a file changed, and refuses an invalid change even though an old entry exists', async () => {
    await load();
    const file = join(bundleDir, readdirSync(bundleDir).find((n) => n.endsWith('.cedar')) ?? '');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n@id("broken")\npermit(principal, action, resource) when { context.nope };\n`);
    const result = await loadBundle(bundleDir, { cacheDir });
    expect(result.kind).toBe('invalid');
    expect(entries()).toHaveLength(1); // the invalid bundle was not stored
  });

  it('treats a corrupt entry, an entry for another key and a wrong shape as misses', async () => {
    await load();
    const [name] = entries();
    const path = join(cacheDir, name ?? '');
    const key = (name ?? '').replace('.validated.json', '');
    const original = readFileSync(path, 'utf8');
    expect(await readValidationCache(cacheDir, key)).toBeDefined();

    writeFileSync(path, original.replace('"permit"', '"forbid"')); // digest no longer matches
    expect(await readValidationCache(cacheDir, key)).toBeUndefined();
    const reloaded = await load(); // full validation, entry rewritten
    expect(reloaded.policyIds.length).toBeGreaterThan(0);
    expect(readFileSync(path, 'utf8')).toBe(original);

    const body = original.slice(original.indexOf('\n') + 1);
    writeFileSync(path, rehash(body.replace(key, 'f'.repeat(64)))); // intact, but for another key
    expect(await readValidationCache(cacheDir, key)).toBeUndefined();
    writeFileSync(path, rehash(JSON.stringify({ ...JSON.parse(body), validated: { policies: 'x' } }))); // wrong shape
    expect(await readValidationCache(cacheDir, key)).toBeUndefined();
    type Stored = { id: string; text: string; effect: string; action: unknown; annotations: unknown; reads: number };
    const current = JSON.parse(body) as { validated: { policies: Stored[] } };
    const policiesAsFormat1 = current.validated.policies.map(({ id, text, effect, action, annotations }) => ({ id, text, json: { effect, action, annotations } }));
    writeFileSync(path, rehash(JSON.stringify({ ...current, validated: { ...current.validated, policies: policiesAsFormat1 } }))); // format 1's policies: no reads
    expect(await readValidationCache(cacheDir, key)).toBeUndefined();
    const outOfTable = JSON.parse(body) as { reads: unknown[]; validated: { policies: { reads: number }[] } };
    const first = outOfTable.validated.policies[0];
    if (first !== undefined) first.reads = outOfTable.reads.length;
    writeFileSync(path, rehash(JSON.stringify(outOfTable))); // a policy's reads index outside the table
    expect(await readValidationCache(cacheDir, key)).toBeUndefined();
    // One policy of the entry with one field of the wrong shape: each is a miss, as under the zod shape before.
    const wrongFields: [string, unknown][] = [
      ['id', 7], ['text', null], ['effect', 'allow'], ['action', 'Action::"x"'], ['action', { op: 3 }], ['annotations', { id: 1 }],
      ['annotations', ['id']], ['reads', -1], ['reads', 0.5], ['reads', '0'],
    ];
    for (const [field, value] of wrongFields) {
      const changed = JSON.parse(body) as { validated: { policies: Record<string, unknown>[] } };
      const last = changed.validated.policies[changed.validated.policies.length - 1];
      if (last === undefined) throw new Error('the example bundle has policies');
      last[field] = value;
      writeFileSync(path, rehash(JSON.stringify(changed)));
      expect([field, value, await readValidationCache(cacheDir, key)]).toEqual([field, value, undefined]);
    }
    const missingField = JSON.parse(body) as { validated: { policies: Record<string, unknown>[] } };
    delete missingField.validated.policies[0]?.annotations;
    writeFileSync(path, rehash(JSON.stringify(missingField)));
    expect(await readValidationCache(cacheDir, key)).toBeUndefined();
    writeFileSync(path, 'garbage');
    expect(await readValidationCache(cacheDir, key)).toBeUndefined();
    expect(await readValidationCache(join(work, 'nowhere'), key)).toBeUndefined();
  });

  it(`keeps only the newest ${KEEP_ENTRIES} entries`, async () => {
    const fresh = await load();
    const [name] = entries();
    const validated = await readValidationCache(cacheDir, (name ?? '').replace('.validated.json', ''));
    if (validated === undefined) throw new Error('entry missing');
    for (let i = 0; i < KEEP_ENTRIES + 3; i += 1) await writeValidationCache(cacheDir, `${i}`.padStart(64, '0'), validated);
    expect(entries()).toHaveLength(KEEP_ENTRIES);
    expect(fresh.policyIds.length).toBeGreaterThan(0);
  });
});
