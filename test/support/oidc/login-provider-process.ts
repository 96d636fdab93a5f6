/** Starts test/support/oidc/login-provider.mjs (oidc-provider with its dev login form) and drives it. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

export interface LoginProvider {
  readonly issuer: string;
  /** Registers callgate's page callback as the client's redirect URI. */
  setRedirectUri(uri: string): Promise<void>;
  /** A bearer token for the approvals API (client "app"); groups default to the account's. */
  userToken(sub: string, params?: Record<string, string>): Promise<string>;
  stop(): Promise<void>;
}

export async function startLoginProvider(): Promise<LoginProvider> {
  const child = spawn(process.execPath, [path.join(__dirname, 'login-provider.mjs')], { stdio: ['pipe', 'pipe', 'pipe'] });
  // oidc-provider warns that dev interactions and the memory adapter are for development: true here.
  readline.createInterface({ input: child.stderr }).on('line', (line) => {
    if (!line.includes('oidc-provider WARNING')) process.stderr.write(`${line}\n`);
  });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = (): Promise<string> => new Promise((resolve) => waiting.push(resolve));
  const { issuer } = JSON.parse(await next()) as { issuer: string };
  return {
    issuer,
    async setRedirectUri(uri) {
      const answer = next();
      child.stdin.write(`redirect ${uri}\n`);
      await answer;
    },
    async userToken(sub, params = {}) {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from('app:app-secret').toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'urn:callgate:test:user', sub, ...params }),
      });
      const body = (await res.json()) as { access_token?: string };
      if (body.access_token === undefined) throw new Error(`token request failed: ${JSON.stringify(body)}`);
      return body.access_token;
    },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}

/** A free loopback port (listen on 0, close): callgate's HTTP address must be in its config before it starts. */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
