/**
 * The development issuer's fixed users and clients. They match the example bundle (policies/): groups
 * come from policies/entities.json.
 */
export interface DevUser {
  readonly sub: string;
  readonly name: string;
  readonly email: string;
  readonly groups: readonly string[];
}

export const DEV_USERS: ReadonlyMap<string, DevUser> = new Map([
  ['alice', { sub: 'alice', name: 'Alice (payments)', email: 'alice@example.com', groups: ['payments-team'] }],
  ['bob', { sub: 'bob', name: 'Bob (engineering)', email: 'bob@example.com', groups: ['engineering'] }],
  ['erin', { sub: 'erin', name: 'Erin (platform admin, on call)', email: 'erin@example.com', groups: ['platform-admins', 'oncall'] }],
]);

/** Groups of the service clients' tokens (client credentials). */
export const DEV_SERVICE_GROUPS: ReadonlyMap<string, readonly string[]> = new Map([['ci-bot', ['platform-admins']]]);

/** Grant type of the walkthrough client: a token for a named dev user, no browser. Development only. */
export const DEV_USER_GRANT = 'urn:callgate:dev:user';

export const DEV_CLIENTS = [
  { client_id: 'walkthrough', client_secret: 'walkthrough-secret', grant_types: [DEV_USER_GRANT], redirect_uris: [], response_types: [] },
  { client_id: 'ci-bot', client_secret: 'ci-bot-secret', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
] as const;
