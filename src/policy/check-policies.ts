/**
 * Checks the bundle's policies: `@id` present and unique, obligation annotations well-formed and on the
 * right effect, and strict validation against the completed schema. Reports every problem at once.
 */
import { validate, type DetailedError, type PolicyJson, type SchemaJson } from '@cedar-policy/cedar-wasm/nodejs';
import { readPolicyAnnotations, type PolicyAnnotations, type PolicyEffect } from '../obligations/policy-annotations';
import type { BundleProblem } from './types';
import { problemsFromCedar } from './cedar-problems';
import type { PolicySource } from './parse-policies';
import { locateByteOffset } from './source-location';
import { batchForValidation } from './validation-batches';

export interface CheckedPolicy {
  readonly id: string;
  readonly effect: PolicyEffect;
  readonly text: string;
  readonly json: PolicyJson;
  readonly annotations: PolicyAnnotations;
}

interface Named {
  readonly cedarId: string;
  readonly source: PolicySource;
  readonly annotations: PolicyAnnotations;
}

export function checkPolicies(sources: readonly PolicySource[], schema: SchemaJson<string>): { policies: CheckedPolicy[]; problems: BundleProblem[] } {
  const problems: BundleProblem[] = [];
  const named = nameAndReadAnnotations(sources, problems);
  problems.push(...validateStrict(named, schema));
  const policies = named
    .filter((n) => n.annotations.id === n.cedarId)
    .map((n) => ({ id: n.cedarId, effect: n.source.json.effect, text: n.source.text, json: n.source.json, annotations: n.annotations }));
  return { policies, problems };
}

function nameAndReadAnnotations(sources: readonly PolicySource[], problems: BundleProblem[]): Named[] {
  const firstSeen = new Map<string, PolicySource>();
  return sources.map((source, index) => {
    const read = readPolicyAnnotations(source.json.effect, source.json.annotations ?? {});
    const id = read.annotations.id;
    for (const p of read.problems) problems.push({ code: 'annotation', ...locateInPolicy(source, source.text.search(new RegExp(`@${p.annotation}\\b`))), message: p.message, ...(p.help ? { help: p.help } : {}), ...(id !== undefined ? { policyId: id } : {}) });
    const unnamed = `__unnamed_${index}`;
    if (id === undefined) {
      if (!('id' in (source.json.annotations ?? {}))) problems.push({ code: 'missing-id', ...locateInPolicy(source, 0), message: 'policy has no @id annotation', help: 'add @id("a-unique-name") before the policy' });
      return { cedarId: unnamed, source, annotations: read.annotations };
    }
    const first = firstSeen.get(id);
    if (first !== undefined) {
      const where = locateInPolicy(first, 0);
      problems.push({ code: 'duplicate-id', ...locateInPolicy(source, source.text.indexOf('@id')), message: `duplicate @id("${id}"), first used at ${where.file}:${where.line ?? '?'}:${where.column ?? '?'}`, help: 'every policy needs a unique @id', policyId: id });
      return { cedarId: unnamed, source, annotations: read.annotations };
    }
    firstSeen.set(id, source);
    return { cedarId: id, source, annotations: read.annotations };
  });
}

function validateStrict(named: readonly Named[], schema: SchemaJson<string>): BundleProblem[] {
  if (named.length === 0) return [];
  const byId = new Map(named.map((n) => [n.cedarId, n.source]));
  return batchForValidation(named, (n) => n.source.json, schema).flatMap((batch) => {
    const staticPolicies: Record<string, string> = {};
    for (const n of batch.items) staticPolicies[n.cedarId] = n.source.text;
    const answer = validate({ schema: batch.schema, policies: { staticPolicies }, validationSettings: { mode: 'strict' } });
    if (answer.type === 'failure') return problemsFromCedar(answer.errors, 'validation', () => undefined);
    return answer.validationErrors.flatMap((v) => validationProblems(v.error, byId.get(v.policyId)).map((p) => (v.policyId.startsWith('__unnamed_') ? p : { ...p, policyId: v.policyId })));
  });
}

function validationProblems(error: DetailedError, source: PolicySource | undefined): BundleProblem[] {
  if (source === undefined) return problemsFromCedar([error], 'validation', () => undefined);
  const locate = (offset: number) => ({ file: source.file, text: source.fileText, byteOffset: source.byteOffset + offset });
  return problemsFromCedar([error], 'validation', locate, source.file);
}

function locateInPolicy(source: PolicySource, charIndex: number): { file: string; line?: number; column?: number } {
  const offset = source.byteOffset + Buffer.byteLength(source.text.slice(0, Math.max(charIndex, 0)), 'utf8');
  return { file: source.file, ...locateByteOffset(source.fileText, offset) };
}
