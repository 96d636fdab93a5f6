/**
 * Records decisions the way serve does, for impact tests: each call decided by the real pipeline
 * (`authorizeAs` with the request Envoy would send) against a bundle, its Outcome projected by
 * buildAuditRecord and written by the real file sink.
 */
import { loadBundle } from '../../src/policy/load-bundle';
import { authorizeAs } from '../../src/authz/authorize';
import { NOT_APPROVED } from '../../src/authz/cedar-context';
import { buildCaseRequest } from '../../src/policy-tests/case-request';
import { parseOptionsOf } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { failureOutcome } from '../../src/authz/check';
import { buildAuditRecord } from '../../src/audit/audit-record';
import { createAuditSink } from '../../src/audit/audit-sink';
import type { Caller } from '../../src/identity/types';
import type { Outcome } from '../../src/authz/outcome';

export interface CallToRecord {
  readonly id: string;
  readonly user?: { readonly sub: string; readonly groups: readonly string[] };
  readonly function: string;
  readonly input: Record<string, unknown>;
}

function userCaller(sub: string, groups: readonly string[]): Caller {
  return {
    kind: 'human', interactive: true, authenticated: true, issuer: 'https://idp.example.com', scopes: [], source: 'jwt_authn', relatedEntities: [],
    principal: { uid: { type: 'User', id: sub }, attrs: { email: `${sub}@example.com` }, parents: groups.map((id) => ({ type: 'Group', id })) },
  };
}

export async function recordDecisions(bundleDir: string, calls: readonly CallToRecord[], file: string, server = 'orders'): Promise<void> {
  const loaded = await loadBundle(bundleDir);
  if (loaded.kind !== 'loaded') throw new Error(`fixture bundle ${bundleDir} is invalid`);
  const config = loadConfig({ env: {} });
  const sink = createAuditSink({ kind: 'file', file, rotation: { maxBytes: 0, daily: false, keep: 0 }, signingKey: '', everyRecords: 0, everySeconds: 0 });
  const now = new Date('2026-11-20T12:00:00Z');
  for (const call of calls) {
    let outcome: Outcome;
    if (call.user === undefined) {
      outcome = failureOutcome(call.id, 'ERR_IDENTITY_EXPIRED');
    } else {
      const { view, facts } = buildCaseRequest({ function: call.function, server, protocol: 'http', inputJson: JSON.stringify(call.input), host: 'orders.local', sourceIp: '10.0.0.1', requestId: `req-${call.id}` });
      outcome = authorizeAs(view, facts, userCaller(call.user.sub, call.user.groups), NOT_APPROVED, {
        identity: config.identity, parseOptions: parseOptionsOf(config), currentBundle: () => loaded.bundle, now: () => now, newDecisionId: () => call.id,
      });
    }
    sink.write(buildAuditRecord(outcome, 0.0001, now));
  }
  sink.close();
}

const alice = { sub: 'alice', groups: ['support'] };
const bob = { sub: 'bob', groups: ['admins'] };

/** The calls behind test/fixtures/impact/decisions.jsonl (recorded against test/fixtures/impact/base). */
export const IMPACT_FIXTURE_CALLS: readonly CallToRecord[] = [
  { id: 'd-get', user: alice, function: 'orders.get', input: { orderId: 'o-1' } },
  { id: 'd-list', user: alice, function: 'orders.list', input: { customerId: 'c-1' } },
  { id: 'd-refund-500', user: alice, function: 'orders.refund', input: { orderId: 'o-2', amount: 500 } },
  { id: 'd-refund-500-again', user: alice, function: 'orders.refund', input: { orderId: 'o-5', amount: 500 } },
  { id: 'd-refund-50', user: alice, function: 'orders.refund', input: { orderId: 'o-3', amount: 50 } },
  { id: 'd-export-json', user: bob, function: 'orders.export', input: { format: 'json' } },
  { id: 'd-contact', user: alice, function: 'orders.contact', input: { orderId: 'o-4', email: 'carol@example.com' } },
  { id: 'd-expired-token', function: 'orders.get', input: {} },
];
