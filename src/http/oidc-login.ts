/**
 * Browser login for the approver page: OIDC authorization code flow with PKCE (S256), state and nonce,
 * against the configured issuer (openid-client). The ID token's claims go through the same claim mapping
 * as bearer tokens (groups, caller kind), so the page and the API see one approver the same way.
 */
import { Issuer, generators, type BaseClient } from 'openid-client';
import type { JsonObject } from '../calls/types';
import { callerFromClaims, type ClaimMapping } from '../identity/caller-from-claims';
import { approverFromCaller, type ApproverResult } from './approver-identity';

export interface LoginSettings {
  readonly issuer: string;
  readonly client_id: string;
  /** "" = a public client (PKCE only, no client authentication). */
  readonly client_secret: string;
  readonly redirect_uri: string;
  readonly scopes: readonly string[];
}

export interface LoginStart {
  readonly url: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

export interface OidcLogin {
  start(): Promise<LoginStart>;
  /** Exchanges the callback's code (checking state, nonce and the PKCE verifier) for the approver. */
  finish(callbackUrl: string, expected: { state: string; nonce: string; codeVerifier: string }): Promise<ApproverResult>;
}

export interface OidcLoginDeps {
  /** Test seam: discovery (default openid-client's Issuer.discover). */
  discover?(issuer: string): Promise<Issuer<BaseClient>>;
}

export function createOidcLogin(settings: LoginSettings, mapping: ClaimMapping, deps: OidcLoginDeps = {}): OidcLogin {
  const discover = deps.discover ?? ((url: string) => Issuer.discover(url));
  let client: Promise<BaseClient> | undefined;
  const clientOf = (): Promise<BaseClient> => {
    if (client === undefined) {
      client = discover(settings.issuer).then(
        (issuer) =>
          new issuer.Client({
            client_id: settings.client_id,
            ...(settings.client_secret === '' ? { token_endpoint_auth_method: 'none' } : { client_secret: settings.client_secret }),
            redirect_uris: [settings.redirect_uri],
            response_types: ['code'],
          }),
      );
      // A failed discovery is retried at the next login, not remembered.
      client.catch(() => (client = undefined));
    }
    return client;
  };

  return {
    async start() {
      const c = await clientOf();
      const state = generators.state();
      const nonce = generators.nonce();
      const codeVerifier = generators.codeVerifier();
      const url = c.authorizationUrl({
        scope: settings.scopes.join(' '),
        redirect_uri: settings.redirect_uri,
        code_challenge: generators.codeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { url, state, nonce, codeVerifier };
    },
    async finish(callbackUrl, expected) {
      const c = await clientOf();
      const params = c.callbackParams(callbackUrl);
      const tokens = await c.callback(settings.redirect_uri, params, { state: expected.state, nonce: expected.nonce, code_verifier: expected.codeVerifier });
      const claims = tokens.claims() as unknown as JsonObject;
      const caller = callerFromClaims(claims, mapping);
      if (caller.kind === 'invalid') return { kind: 'refused', code: 'ERR_APPROVAL_LOGIN_FAILED', message: caller.message };
      return approverFromCaller({ ...caller.caller, source: 'oidc' });
    },
  };
}
