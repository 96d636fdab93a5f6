/**
 * Webhook notifications of requested approvals (issue 6 item 4): POSTs the event (plain JSON or a
 * Slack-compatible message) to `approvals.notify.url`, each attempt bounded by a timeout, failed attempts
 * retried with exponential backoff and decorrelated jitter (the `cockatiel` package's retry policy). With a secret the
 * body is signed: `x-callgate-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * Every retry of one notification carries the same `x-callgate-delivery` id, so receivers can deduplicate.
 *
 * Fire and forget: `notifyRequested` returns at once and never throws. The approval is already stored
 * when it is called, so a failed notification is logged and counted
 * (`callgate_approval_notifications_total{outcome="failed"}`), never lost with the approval nor blocking
 * the Check.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { Counter } from 'prom-client';
import type { Logger } from '../log/logger';
import { buildNotificationBody, type NotifyFormat } from './notification-payload';
import type { Approval, ApprovalNotifier } from './types';

export interface WebhookSettings {
  readonly url: string;
  readonly format: NotifyFormat;
  /** HMAC key for the signature header; "" sends unsigned requests. */
  readonly secret: string;
  readonly timeout_ms: number;
  readonly max_attempts: number;
  readonly initial_delay_ms: number;
  readonly max_delay_ms: number;
}

export type NotificationOutcome = 'delivered' | 'failed';

export interface WebhookNotifierDeps {
  readonly log: Logger;
  readonly notifications: Counter<'outcome'>;
  now(): Date;
  /** Test seam; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
}

export interface WebhookNotifier extends ApprovalNotifier {
  /** Resolves when every notification started so far has been delivered or given up. */
  settled(): Promise<void>;
  /** Stops retrying and aborts attempts in flight (shutdown). */
  close(): Promise<void>;
}

/** An attempt that must not be repeated (a 4xx other than 408/429, a redirect). */
class PermanentFailure extends Error {}

const CLOSE_WAIT_MS = 200;

export const SIGNATURE_HEADER = 'x-callgate-signature';
export const DELIVERY_HEADER = 'x-callgate-delivery';

export function signBody(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export function createWebhookNotifier(settings: WebhookSettings, deps: WebhookNotifierDeps): WebhookNotifier {
  const doFetch = deps.fetch ?? fetch;
  const log = deps.log;
  const inflight = new Set<Promise<void>>();
  const closing = new AbortController();

  const attempt = async (body: string, delivery: string, approvalId: string, n: { value: number }): Promise<void> => {
    n.value += 1;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'callgate', [DELIVERY_HEADER]: delivery };
    if (settings.secret !== '') headers[SIGNATURE_HEADER] = signBody(settings.secret, body, Math.floor(deps.now().getTime() / 1000));
    const signal = AbortSignal.any([closing.signal, AbortSignal.timeout(settings.timeout_ms)]);
    const res = await doFetch(settings.url, { method: 'POST', headers, body, redirect: 'manual', signal });
    // The receiver's body is not ours to keep; drain it so the connection can be reused.
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return;
    const message = `webhook answered ${res.status}`;
    log.warn({ approval_id: approvalId, attempt: n.value, status: res.status }, 'approval notification attempt failed');
    if (!isRetryableStatus(res.status)) throw new PermanentFailure(message);
    throw new Error(message);
  };

  const policy = retry(
    handleWhen((err) => !(err instanceof PermanentFailure) && !closing.signal.aborted),
    {
      maxAttempts: Math.max(0, settings.max_attempts - 1),
      backoff: new ExponentialBackoff({ initialDelay: settings.initial_delay_ms, maxDelay: settings.max_delay_ms }),
    },
  ).dangerouslyUnref(); // a retry asleep in its backoff must not hold the process open at shutdown

  const deliver = async (approval: Approval, approveUrl: string): Promise<void> => {
    const delivery = randomUUID();
    const attempts = { value: 0 };
    let outcome: NotificationOutcome = 'delivered';
    try {
      const body = buildNotificationBody(settings.format, approval, approveUrl);
      await policy.execute(() => {
        if (closing.signal.aborted) throw new PermanentFailure('callgate is shutting down');
        return attempt(body, delivery, approval.id, attempts);
      }, closing.signal);
      log.info({ approval_id: approval.id, attempts: attempts.value, delivery }, 'approval notification delivered');
    } catch (err) {
      outcome = 'failed';
      log.error({ approval_id: approval.id, attempts: attempts.value, delivery, err: (err as Error).message }, 'approval notification failed; the approval stays pending');
    }
    deps.notifications.inc({ outcome });
  };

  return {
    notifyRequested(approval, approveUrl) {
      if (closing.signal.aborted) return;
      // deliver() catches its own failures; the catch here only guards against a throwing logger.
      const running: Promise<void> = deliver(approval, approveUrl)
        .catch(() => undefined)
        .finally(() => inflight.delete(running));
      inflight.add(running);
    },
    async settled() {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
    async close() {
      // Attempts in flight abort at once; a retry asleep in its backoff gives up when it wakes (its timer
      // is unref'd). Shutdown does not wait for those.
      closing.abort();
      await Promise.race([Promise.allSettled([...inflight]), new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
    },
  };
}

/** `approvals.notify.*` → the notifier's settings, or undefined when no URL is configured. */
export function webhookSettingsOf(config: { readonly approvals: { readonly notify: WebhookSettings } }): WebhookSettings | undefined {
  return config.approvals.notify.url === '' ? undefined : config.approvals.notify;
}
