/**
 * The approver page's session: one cookie sealed (encrypted and MAC'd) by `iron-session` with
 * `approvals.page.session_key` (or a random per-process key: sessions then end with the process).
 * HttpOnly, SameSite=Lax, Secure when the page is served over https, scoped to /approvals.
 * It holds the logged-in approver, the CSRF secret, and the login in progress (state, nonce, PKCE verifier).
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { getIronSession, type IronSession, type SessionOptions } from 'iron-session';
import type { Approver } from '../approvals/types';

export const SESSION_COOKIE = 'callgate_approver';

export interface PageSessionData {
  approver?: { readonly approver: Approver; readonly display: string };
  csrfSecret?: string;
  login?: { readonly state: string; readonly nonce: string; readonly codeVerifier: string; readonly returnTo: string };
}

export type PageSession = IronSession<PageSessionData>;

export interface PageSessionSettings {
  /** At least 32 characters; "" = a random key for this process. */
  readonly key: string;
  readonly ttl_seconds: number;
  readonly secure: boolean;
}

export interface SessionOpener {
  open(req: http.IncomingMessage, res: http.ServerResponse): Promise<PageSession>;
}

export function createSessionOpener(settings: PageSessionSettings): SessionOpener {
  const options: SessionOptions = {
    cookieName: SESSION_COOKIE,
    password: settings.key !== '' ? settings.key : randomBytes(32).toString('base64url'),
    ttl: settings.ttl_seconds,
    cookieOptions: { httpOnly: true, sameSite: 'lax', secure: settings.secure, path: '/approvals' },
  };
  return {
    open: (req, res) => getIronSession<PageSessionData>(req, res, options),
  };
}
