/** Starts test/support/oidc/provider.mjs (a real oidc-provider on loopback) and drives it. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { JsonWebKey } from 'node:crypto';

export interface OidcProvider {
  readonly issuer: string;
  /** rotate: new signing key; down / up: every request 503s / serves again. */
  command(cmd: 'rotate' | 'down' | 'up'): Promise<void>;
  /** POST to the token endpoint with client basic auth; returns access_token. */
  token(client: string, secret: string, params: Record<string, string>): Promise<string>;
  revoke(token: string): Promise<void>;
  jwks(): Promise<{ keys: (JsonWebKey & { kid?: string })[] }>;
  stop(): Promise<void>;
}

export async function startOidcProvider(): Promise<OidcProvider> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [path.join(__dirname, 'provider.mjs')], { stdio: 'pipe' });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = (): Promise<string> => new Promise((resolve) => waiting.push(resolve));
  const first = JSON.parse(await next()) as { issuer: string };
  const issuer = first.issuer;
  const basic = (c: string, s: string): string => `Basic ${Buffer.from(`${c}:${s}`).toString('base64')}`;
  return {
    issuer,
    async command(cmd) {
      const answer = next();
      child.stdin.write(`${cmd}\n`);
      await answer;
    },
    async token(client, secret, params) {
      const res = await fetch(`${issuer}/token`, { method: 'POST', headers: { authorization: basic(client, secret) }, body: new URLSearchParams(params) });
      const body = (await res.json()) as { access_token?: string; error_description?: string };
      if (body.access_token === undefined) throw new Error(`token request failed: ${JSON.stringify(body)}`);
      return body.access_token;
    },
    async revoke(token) {
      await fetch(`${issuer}/token/revocation`, { method: 'POST', headers: { authorization: basic('app', 'app-secret') }, body: new URLSearchParams({ token }) });
    },
    async jwks() {
      return (await (await fetch(`${issuer}/jwks`)).json()) as { keys: (JsonWebKey & { kid?: string })[] };
    },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}
