/** `approvals.store` → an ApprovalStore: `sqlite:<path>` (embedded default, `sqlite::memory:` for tests) or `redis://…` / `rediss://…`. */
import { openSqliteStore } from './sqlite-store';
import { openRedisStore, pingRedis } from './redis-store';
import type { ApprovalStore } from './types';

export type StoreLocation = { readonly kind: 'sqlite'; readonly file: string } | { readonly kind: 'redis'; readonly url: string };

export function parseStoreLocation(value: string): StoreLocation | undefined {
  if (value.startsWith('sqlite:')) {
    const file = value.slice('sqlite:'.length);
    return file === '' ? undefined : { kind: 'sqlite', file };
  }
  if (/^rediss?:\/\/[^\s]+$/.test(value)) return { kind: 'redis', url: value };
  return undefined;
}

export async function openApprovalStore(location: StoreLocation): Promise<ApprovalStore> {
  switch (location.kind) {
    case 'sqlite':
      return openSqliteStore(location.file);
    case 'redis':
      await pingRedis(location.url);
      return openRedisStore(location.url);
  }
}
