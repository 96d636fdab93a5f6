/** `approvals.store` → an ApprovalStore: `sqlite:<path>` (embedded default, `sqlite::memory:` for tests) or `redis://…` / `rediss://…`. */
import type { ApprovalStore } from './types';

// Each store's module (better-sqlite3, ioredis) is required only when that store is opened.

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
      return (require('./sqlite-store') as typeof import('./sqlite-store')).openSqliteStore(location.file);
    case 'redis': {
      const { openRedisStore, pingRedis } = require('./redis-store') as typeof import('./redis-store');
      await pingRedis(location.url);
      return openRedisStore(location.url);
    }
  }
}
