/** The audit trail in a running callgate over real gRPC: a signed file trail, and fail-closed sinks. */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp, type App } from '../../../src/app';
import { loadConfig } from '../../../src/config/load-config';
import { createLogger } from '../../../src/log/logger';
import { createMetrics, type Metrics } from '../../../src/metrics/metrics';
import type { AuditSink } from '../../../src/audit/audit-sink';
import { runAuditVerify } from '../../../src/cli/audit-verify';
import { connectCheckClient, envoyCheckRequest } from '../../support/check-client';
import { tempDir, writeKeyPair } from '../../support/audit-files';

const policies = path.join(__dirname, '../../../policies');
const alice = { iss: 'https://idp.example.com', sub: 'alice', groups: ['payments-team'] };
const http = { protocol: 'http', server: 'payments', path: '/functions/{function}' };
const allowed = () => envoyCheckRequest({ path: '/functions/payments.get', body: '{"paymentId":"4111 1111 1111 1111"}', contextExtensions: http, jwtPayload: alice });

async function withApp(flags: Record<string, string>, audit: AuditSink | undefined, body: (app: App, grpc: string, metrics: Metrics) => Promise<void>): Promise<void> {
  const config = loadConfig({ flags: { 'listen.grpc': '127.0.0.1:0', 'listen.http': '127.0.0.1:0', watch_policies: 'false', 'log.level': 'silent', policies, ...flags } });
  const metrics = createMetrics({ collectProcessMetrics: false });
  const app = buildApp(config, {
    ...(audit === undefined ? {} : { audit }),
    log: createLogger('silent'),
    metrics,
    now: () => new Date(),
    newDecisionId: () => randomUUID(),
    hrtime: () => process.hrtime.bigint(),
  });
  const { grpc } = await app.start();
  try {
    await body(app, grpc, metrics);
  } finally {
    await app.close();
  }
}

const broken: AuditSink = {
  write: () => {
    throw new Error('EIO: disk gone');
  },
  close: () => undefined,
};

describe('audit trail in a running callgate', () => {
  it('writes masked, hash-chained records with a signed checkpoint at shutdown that verify accepts', async () => {
    const dir = tempDir();
    const keys = writeKeyPair(dir);
    const file = path.join(dir, 'audit.jsonl');
    await withApp({ 'audit.sink': 'file', 'audit.file': file, 'audit.signing_key': keys.privateKey }, undefined, async (_app, grpc) => {
      const client = connectCheckClient(grpc);
      for (let i = 0; i < 3; i++) expect((await client.check(allowed())).status?.code).toBe(0);
      client.close();
    });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('4111 1111');
    expect(text).toContain('[REDACTED:pan]');
    expect(text.trim().split('\n').at(-1)).toContain('"checkpoint"');
    expect(runAuditVerify([file], { publicKey: keys.publicKey })).toMatchObject({ ok: true });
  });

  it('denies (503, ERR_AUDIT_UNAVAILABLE) when the sink cannot write, and counts the dropped record', async () => {
    await withApp({}, broken, async (_app, grpc, metrics) => {
      const client = connectCheckClient(grpc);
      const res = await client.check(allowed());
      client.close();
      expect(res.denied_response?.status?.code).toBe('ServiceUnavailable');
      expect(res.denied_response?.body).toContain('the decision could not be recorded');
      expect(await metrics.registry.getSingleMetricAsString('callgate_audit_records_dropped_total')).toContain('reason="write_failed"} 1');
    });
  });

  it('lets the decision stand under audit.on_failure=continue, still counted', async () => {
    await withApp({ 'audit.on_failure': 'continue' }, broken, async (_app, grpc, metrics) => {
      const client = connectCheckClient(grpc);
      const res = await client.check(allowed());
      client.close();
      expect(res.status?.code).toBe(0);
      expect(await metrics.registry.getSingleMetricAsString('callgate_audit_records_dropped_total')).toContain('reason="write_failed"} 1');
    });
  });
});
