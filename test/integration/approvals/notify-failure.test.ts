/**
 * A webhook that never answers never costs an approval: over real gRPC, the Check needing approval is
 * answered (403 approval_required) while the notification is still in flight, the approval is stored and
 * listed, and the notification, failed after its timed-out attempts, is logged and counted in
 * callgate_approval_notifications_total{outcome="failed"}.
 */
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { startApp, type RunningApp } from '../../support/app-harness';
import { connectCheckClient, envoyCheckRequest, type CheckClient } from '../../support/check-client';

const bundle = path.join(__dirname, '../../fixtures/approvals/http-bundle');
const billingJob = { iss: 'https://idp.example.com', sub: 'billing-job', azp: 'billing-job', groups: ['ops-bots'] };

describe('approval notifications that fail', () => {
  let app: RunningApp;
  let client: CheckClient;
  let hook: http.Server;
  let attempts = 0;

  beforeAll(async () => {
    // a receiver that takes every request and never answers
    hook = http.createServer(() => void (attempts += 1));
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    app = await startApp({
      policies: bundle,
      'approvals.store': 'sqlite::memory:',
      'approvals.notify.url': `http://127.0.0.1:${(hook.address() as net.AddressInfo).port}/hook`,
      'approvals.notify.timeout_ms': '1500',
      'approvals.notify.max_attempts': '2',
      'approvals.notify.initial_delay_ms': '10',
    });
    client = connectCheckClient(app.grpc);
  }, 30_000);
  afterAll(async () => {
    client.close();
    await app.close();
    hook.closeAllConnections();
    await new Promise((resolve) => hook.close(resolve));
  });

  const outcomes = async (): Promise<string> => (await (await fetch(`http://${app.http}/metrics`)).text()).split('\n').filter((l) => l.startsWith('callgate_approval_notifications_total')).join('\n');

  it('do not hold up the Check, keep the approval, and are counted', async () => {
    const res = await client.check(
      envoyCheckRequest({
        path: '/functions/orders.delete',
        body: '{"orderId":"o-7"}',
        contextExtensions: { protocol: 'http', server: 'payments', path: '/functions/{function}' },
        jwtPayload: billingJob,
      }),
    );
    // answered while the notification has not finished (its first attempt alone waits 1.5 s for a reply)
    expect(await outcomes()).toBe('');
    expect(res.denied_response?.status?.code).toBe('Forbidden');
    const body = JSON.parse(res.denied_response?.body ?? '{}') as Record<string, string>;
    expect(body.error).toBe('approval_required');

    const pending = await app.app.approvals()?.listPending();
    expect(pending?.map((a) => a.id)).toContain(body.approval_id);

    let metrics = '';
    for (let i = 0; i < 200 && metrics === ''; i++) {
      await new Promise((r) => setTimeout(r, 50));
      metrics = await outcomes();
    }
    expect(metrics).toBe('callgate_approval_notifications_total{outcome="failed"} 1');
    expect(attempts).toBe(2);
    expect(app.logs.find((l) => l.msg === 'approval notification failed; the approval stays pending')).toMatchObject({ approval_id: body.approval_id, attempts: 2 });
    // still there, still pending
    expect((await app.app.approvals()?.get(body.approval_id!))?.status).toBe('pending');
  });
});
