/** RFC 9728 OAuth 2.0 Protected Resource Metadata for callgate's configured issuers (undefined = not served). */
import type { JsonObject } from '../calls/types';
import type { IdentityConfig } from './resolve-caller';

export const PROTECTED_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

export function buildProtectedResourceMetadata(config: IdentityConfig): JsonObject | undefined {
  const resource = config.resource ?? '';
  if (resource === '') return undefined;
  return {
    resource,
    authorization_servers: (config.issuers ?? []).map((i) => i.issuer),
    bearer_methods_supported: ['header'],
  };
}
