/**
 * The approval webhook against a real HTTP receiver on 127.0.0.1:0 that fails its first attempts: retries
 * with backoff until delivered, a per-attempt timeout, HMAC signatures the receiver can verify, permanent
 * failures not retried, and every outcome counted without ever throwing at the caller.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createHmac } from 'node:crypto';
import { createWebhookNotifier, type WebhookSettings } from '../../../src/approvals/notify-webhook';
import type { Approval } from '../../../src/approvals/types';
import { createLogger } from '../../../src/log/logger';
import { createMetrics, type Metrics } from '../../../src/metrics/metrics';

const approval = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/approvals/pending-approval.json'), 'utf8')) as Approval;
const approveUrl = 'http://127.0.0.1:9002/approvals/apr_01HZX3K9';

interface Received {
  readonly at: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A receiver that answers `script[i]` to the i-th request (then 200): a status, or 'hang' (never answers). */
async function startReceiver(script: (number | 'hang')[]): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const step = script[received.length - 1] ?? 200;
      if (step === 'hang') return;
      res.writeHead(step, { 'content-type': 'text/plain' }).end(step === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function outcomes(metrics: Metrics): Promise<Record<string, number>> {
  const values = (await metrics.approvalNotifications.get()).values;
  return Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
}

describe('approval webhook notifications', () => {
  const receivers: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  const make = (overrides: Partial<WebhookSettings> & { url: string }) => {
    const logs: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const settings: WebhookSettings = { format: 'json', secret: '', timeout_ms: 2000, max_attempts: 4, initial_delay_ms: 20, max_delay_ms: 200, ...overrides };
    const metrics = createMetrics({ collectProcessMetrics: false });
    const notifier = createWebhookNotifier(settings, {
      log: createLogger('info', sink),
      notifications: metrics.approvalNotifications,
      now: () => new Date('2026-11-25T09:00:05Z'),
    });
    return { notifier, metrics, logs };
  };

  it('retries 503s with backoff and delivers the same signed event once the receiver recovers', async () => {
    const receiver = await startReceiver([503, 500, 200]);
    receivers.push(receiver);
    const { notifier, metrics, logs } = make({ url: receiver.url, secret: 'hook-secret-123' });
    const started = Date.now();
    notifier.notifyRequested(approval, approveUrl);
    // fire and forget: nothing has been delivered yet when notifyRequested returns
    expect(receiver.received).toHaveLength(0);
    await notifier.settled();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(receiver.received).toHaveLength(3);
    const [first, , last] = receiver.received;
    // one delivery id across the retries, so the receiver can deduplicate
    expect(new Set(receiver.received.map((r) => r.headers['x-callgate-delivery'])).size).toBe(1);
    expect(first?.body).toBe(last?.body);
    const event = JSON.parse(last?.body ?? '{}') as Record<string, unknown>;
    expect(event).toMatchObject({ kind: 'approval_requested', approval_id: approval.id, function: 'orders.delete', server: 'orders', approve_url: approveUrl, expires_at: approval.expiresAt });
    expect(event.input).toEqual(approval.maskedInput);
    expect(last?.headers['content-type']).toBe('application/json');
    // the receiver verifies the signature with the shared secret
    const signature = String(last?.headers['x-callgate-signature']);
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature);
    expect(m?.[1]).toBe(String(Date.parse('2026-11-25T09:00:05Z') / 1000));
    expect(m?.[2]).toBe(createHmac('sha256', 'hook-secret-123').update(`${m?.[1]}.${last?.body}`).digest('hex'));
    expect(await outcomes(metrics)).toEqual({ delivered: 1 });
    expect(logs.filter((l) => l.msg === 'approval notification attempt failed').map((l) => l.status)).toEqual([503, 500]);
    expect(JSON.stringify(logs)).not.toContain('hook-secret-123');
  });

  it('gives up after max_attempts, counts the failure, and never throws at the caller', async () => {
    const receiver = await startReceiver([502, 502, 502, 502, 502]);
    receivers.push(receiver);
    const { notifier, metrics, logs } = make({ url: receiver.url, max_attempts: 3 });
    expect(() => notifier.notifyRequested(approval, approveUrl)).not.toThrow();
    await notifier.settled();
    expect(receiver.received).toHaveLength(3);
    expect(await outcomes(metrics)).toEqual({ failed: 1 });
    expect(logs.find((l) => l.msg === 'approval notification failed; the approval stays pending')).toMatchObject({ approval_id: approval.id, attempts: 3 });
  });

  it('does not retry a permanent refusal (4xx)', async () => {
    const receiver = await startReceiver([400]);
    receivers.push(receiver);
    const { notifier, metrics } = make({ url: receiver.url });
    notifier.notifyRequested(approval, approveUrl);
    await notifier.settled();
    expect(receiver.received).toHaveLength(1);
    expect(await outcomes(metrics)).toEqual({ failed: 1 });
  });

  it('times out a receiver that never answers, then retries', async () => {
    const receiver = await startReceiver(['hang', 200]);
    receivers.push(receiver);
    const { notifier, metrics } = make({ url: receiver.url, timeout_ms: 150 });
    notifier.notifyRequested(approval, approveUrl);
    await notifier.settled();
    expect(receiver.received).toHaveLength(2);
    expect(await outcomes(metrics)).toEqual({ delivered: 1 });
  });

  it('a receiver that is down (connection refused) is a counted failure', async () => {
    const receiver = await startReceiver([]);
    const url = receiver.url;
    await receiver.close();
    const { notifier, metrics } = make({ url, max_attempts: 2 });
    notifier.notifyRequested(approval, approveUrl);
    await notifier.settled();
    expect(await outcomes(metrics)).toEqual({ failed: 1 });
  });

  it('posts a Slack-compatible message when format is slack', async () => {
    const receiver = await startReceiver([]);
    receivers.push(receiver);
    const { notifier } = make({ url: receiver.url, format: 'slack' });
    notifier.notifyRequested(approval, approveUrl);
    await notifier.settled();
    const message = JSON.parse(receiver.received[0]?.body ?? '{}') as { text?: string; blocks?: unknown[] };
    expect(message.text).toContain('orders.delete');
    expect(JSON.stringify(message.blocks)).toContain(approveUrl);
    expect(receiver.received[0]?.headers['x-callgate-signature']).toBeUndefined();
  });

  it('close() stops retrying', async () => {
    const receiver = await startReceiver([503, 503, 503, 503]);
    receivers.push(receiver);
    const { notifier, metrics } = make({ url: receiver.url, initial_delay_ms: 5000, max_delay_ms: 5000, max_attempts: 4 });
    notifier.notifyRequested(approval, approveUrl);
    while (receiver.received.length === 0) await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    await notifier.close();
    expect(Date.now() - started).toBeLessThan(1500);
    notifier.notifyRequested(approval, approveUrl);
    expect(receiver.received).toHaveLength(1);
    expect(await outcomes(metrics)).toEqual({});
  });
});
