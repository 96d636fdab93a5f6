/** The few parts of `oidc-provider` (an ES module without bundled types) the dev issuer uses. */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface ResourceServerInfo {
    readonly scope: string;
    readonly audience: string;
    readonly accessTokenFormat: 'jwt' | 'opaque';
    readonly accessTokenTTL: number;
    readonly jwt?: { readonly sign: { readonly alg: string } };
  }

  export interface OidcClient {
    readonly clientId: string;
  }

  export interface GrantContext {
    readonly oidc: {
      readonly client: OidcClient;
      readonly params: Readonly<Record<string, string | undefined>>;
      entity(name: 'AccessToken', value: AccessTokenInstance): void;
    };
    body: unknown;
    status: number;
  }

  export interface AccessTokenInstance {
    resourceServer: unknown;
    readonly expiration: number;
    readonly scope: string;
    save(): Promise<string>;
  }

  export interface GrantInstance {
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: object);
    registerGrantType(name: string, handler: (ctx: GrantContext) => Promise<void>, params: readonly string[]): void;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    readonly AccessToken: new (fields: { accountId: string; client: OidcClient; grantId: string; gty: string; scope: string }) => AccessTokenInstance;
    readonly Grant: new (fields: { accountId: string; clientId: string }) => GrantInstance;
    readonly ResourceServer: new (identifier: string, info: ResourceServerInfo) => unknown;
  }
}
