/**
 * `approvals.page.*` and the identity config → the /approvals handler (API + page) the admin server mounts.
 * The page's login issuer defaults to the first of `identity.issuers`; with no client id the page still
 * answers, and explains that login is off.
 */
import type { Config } from '../config/schema';
import type { Logger } from '../log/logger';
import type { TokenVerifier } from '../identity/token-verifier';
import type { ApprovalService } from '../approvals/types';
import { createApprovalsHandler, type ApprovalsHandler } from './approvals-routes';
import type { OidcLoginDeps } from './oidc-login';
import { createSessionOpener } from './page-session';

export interface ApprovalsHttpDeps {
  readonly service: ApprovalService;
  readonly tokenVerifier: TokenVerifier | undefined;
  readonly log: Logger;
  readonly oidc?: OidcLoginDeps;
}

export class ApprovalsConfigError extends Error {}

export function buildApprovalsHttp(config: Config, deps: ApprovalsHttpDeps): ApprovalsHandler {
  const page = config.approvals.page;
  const issuer = page.issuer !== '' ? page.issuer : config.identity.issuers[0]?.issuer;
  if (page.client_id !== '' && issuer === undefined) {
    throw new ApprovalsConfigError('approvals.page.client_id is set but no issuer is: set approvals.page.issuer or identity.issuers');
  }
  const login =
    page.client_id === '' || issuer === undefined
      ? undefined
      : // required only when the page has a login: openid-client is not loaded otherwise
        (require('./oidc-login') as typeof import('./oidc-login')).createOidcLogin(
          { issuer, client_id: page.client_id, client_secret: page.client_secret, redirect_uri: page.redirect_uri, scopes: page.scopes },
          config.identity.mapping,
          deps.oidc,
        );
  const log = deps.log.child({ room: 'approvals-http' });
  return createApprovalsHandler({
    api: { service: deps.service, verifier: deps.tokenVerifier, maxTokenBytes: config.identity.token.max_bytes, log },
    page: {
      service: deps.service,
      login,
      sessions: createSessionOpener({ key: page.session_key, ttl_seconds: page.session_ttl_seconds, secure: page.redirect_uri.startsWith('https:') }),
      log,
    },
    log,
  });
}

/**
 * The approver side of a service that exists only once the app has started (the store opens in start()).
 * Before that, reads fail (the handler answers 503) and decisions are refused with ERR_APPROVAL_UNAVAILABLE.
 */
export function startedService(current: () => ApprovalService | undefined): ApprovalService {
  const need = (): ApprovalService => {
    const service = current();
    if (service === undefined) throw new Error('approvals are not started');
    return service;
  };
  return {
    listPending: () => need().listPending(),
    get: (id) => need().get(id),
    decide: async (id, approver, verdict, reason) => {
      const service = current();
      if (service === undefined) return { kind: 'refused', code: 'ERR_APPROVAL_UNAVAILABLE', message: 'approvals are not started' };
      return service.decide(id, approver, verdict, reason);
    },
  };
}
