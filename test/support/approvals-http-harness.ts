/**
 * callgate's HTTP port with the approvals API and page mounted (the real admin server, real token
 * verification and OIDC login against test/support/oidc/login-provider.mjs), backed by a given
 * ApprovalService — the in-memory one for API and page tests.
 */
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load-config';
import { createAdminServer } from '../../src/http/admin-server';
import { buildApprovalsHttp } from '../../src/http/build-approvals-http';
import { createTokenVerifier } from '../../src/identity/token-verifier';
import { createLogger } from '../../src/log/logger';
import { createMetrics } from '../../src/metrics/metrics';
import type { ApprovalService } from '../../src/approvals/types';
import { freePort, startLoginProvider, type LoginProvider } from './oidc/login-provider-process';

export const API_AUDIENCE = 'https://api.callgate.test';

export interface ApprovalsHttp {
  readonly base: string;
  readonly idp: LoginProvider;
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startApprovalsHttp(service: ApprovalService, flags: Record<string, string> = {}): Promise<ApprovalsHttp> {
  const idp = await startLoginProvider();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  await idp.setRedirectUri(`${base}/approvals/callback`);
  const config = loadConfig({
    flags: {
      'identity.issuers': JSON.stringify([{ issuer: idp.issuer, audiences: [API_AUDIENCE] }]),
      'approvals.page.client_id': 'approver-page',
      'approvals.page.client_secret': 'approver-page-secret',
      'approvals.page.redirect_uri': `${base}/approvals/callback`,
      'log.level': 'info',
      ...flags,
    },
  });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const log = createLogger('info', sink);
  const tokenVerifier = createTokenVerifier({ ...config.identity.token, issuers: config.identity.issuers }, config.identity.mapping, { now: () => new Date() });
  const admin = createAdminServer({
    registry: createMetrics({ collectProcessMetrics: false }).registry,
    notReadyReason: () => undefined,
    revision: () => 'test',
    approvals: buildApprovalsHttp(config, { service, tokenVerifier, log }),
  });
  await admin.listen(`127.0.0.1:${port}`);
  return {
    base,
    idp,
    logs,
    async close() {
      await admin.close();
      await idp.stop();
    },
  };
}
