/**
 * The shared approval store for several replicas: Redis (ioredis). Each approval is a hash (`record` = the
 * immutable JSON, plus plain status/decision fields); every change is one Lua script, so findOrCreate,
 * decide and consume are atomic across processes: one approval, one call. All keys share the hash tag
 * `{callgate-approvals}`, so they live in one slot. Time comes from the caller (callgate's clock).
 */
import Redis from 'ioredis';
import { approvalFromStored } from './stored-approval';
import { immutableRecordOf } from './stored-approval';
import type { Approval, ApprovalStore, DecisionUpdate, TransitionResult } from './types';

const PREFIX = '{callgate-approvals}:';
const PENDING = `${PREFIX}pending`;
const LIVE = `${PREFIX}live`;
const keyOf = (id: string): string => `${PREFIX}a:${id}`;
const fingerprintKey = (fp: string): string => `${PREFIX}fp:${fp}`;

/** KEYS: fp, new approval, pending, live. ARGV: now, id, record, created, expires, prefix. */
const FIND_OR_CREATE = `
local existing = redis.call('GET', KEYS[1])
if existing then
  local h = ARGV[6] .. 'a:' .. existing
  local st = redis.call('HGET', h, 'status')
  local exp = tonumber(redis.call('HGET', h, 'expires') or '0')
  if (st == 'pending' or st == 'approved') and exp > tonumber(ARGV[1]) then return {0, existing} end
end
redis.call('HSET', KEYS[2], 'record', ARGV[3], 'status', 'pending', 'expires', ARGV[5])
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[2])
return {1, ARGV[2]}
`;

/** KEYS: approval, pending. ARGV: now, status, decidedBy, decidedAt, reason, id. */
const DECIDE = `
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'expires')) <= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'decidedBy', ARGV[3], 'decidedAt', ARGV[4], 'reason', ARGV[5])
redis.call('ZREM', KEYS[2], ARGV[6])
return 1
`;

/** KEYS: approval, live. ARGV: now, consumedAt, id, prefix. */
const CONSUME = `
if redis.call('HGET', KEYS[1], 'status') ~= 'approved' then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'expires')) <= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'status', 'consumed', 'consumedAt', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[3])
return 1
`;

/** KEYS: pending, live. ARGV: now, prefix. Returns the ids it expired. */
const EXPIRE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local out = {}
for _, id in ipairs(ids) do
  local h = ARGV[2] .. 'a:' .. id
  local st = redis.call('HGET', h, 'status')
  if st == 'pending' or st == 'approved' then
    redis.call('HSET', h, 'status', 'expired')
    table.insert(out, id)
  end
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
end
return out
`;

function fromHash(hash: Record<string, string>): Approval | undefined {
  if (hash.record === undefined || hash.status === undefined) return undefined;
  return approvalFromStored({ record: hash.record, status: hash.status, decidedBy: hash.decidedBy, decidedAt: hash.decidedAt, reason: hash.reason, consumedAt: hash.consumedAt });
}

export function openRedisStore(url: string): ApprovalStore {
  // Fail fast instead of queueing commands while Redis is away: the data path denies (ERR_APPROVAL_STORE).
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 2000, commandTimeout: 2000 });
  // Connection errors surface as failed commands (the Check denies); ioredis would otherwise print each one.
  redis.on('error', () => undefined);
  const get = async (id: string): Promise<Approval | undefined> => fromHash(await redis.hgetall(keyOf(id)));
  const transition = async (id: string, changed: unknown): Promise<TransitionResult> => {
    const current = await get(id);
    return Number(changed) === 1 && current !== undefined ? { kind: 'changed', approval: current } : { kind: 'unchanged', current };
  };
  return {
    async findOrCreate(candidate, now) {
      const result = (await redis.eval(
        FIND_OR_CREATE,
        4,
        fingerprintKey(candidate.fingerprint),
        keyOf(candidate.id),
        PENDING,
        LIVE,
        now.getTime(),
        candidate.id,
        immutableRecordOf(candidate),
        Date.parse(candidate.createdAt),
        Date.parse(candidate.expiresAt),
        PREFIX,
      )) as [number, string];
      const [created, id] = result;
      const approval = await get(id);
      if (approval === undefined) throw new Error(`approval ${id} vanished from Redis`);
      return { approval, created: created === 1 };
    },
    get,
    async listPending(now) {
      const ids = await redis.zrange(PENDING, '0', '-1');
      const found = await Promise.all(ids.map((id) => get(id)));
      return found.filter((a): a is Approval => a !== undefined && a.status === 'pending' && Date.parse(a.expiresAt) > now.getTime());
    },
    async decide(id, update: DecisionUpdate, now) {
      const changed = await redis.eval(DECIDE, 2, keyOf(id), PENDING, String(now.getTime()), update.status, JSON.stringify(update.decidedBy), now.toISOString(), update.reason, id);
      return transition(id, changed);
    },
    async consume(id, now) {
      const changed = await redis.eval(CONSUME, 2, keyOf(id), LIVE, String(now.getTime()), now.toISOString(), id);
      return transition(id, changed);
    },
    async expire(now) {
      const ids = (await redis.eval(EXPIRE, 2, PENDING, LIVE, String(now.getTime()), PREFIX)) as string[];
      const found = await Promise.all(ids.map((id) => get(id)));
      return found.filter((a): a is Approval => a !== undefined);
    },
    async close() {
      redis.disconnect();
    },
  };
}

/** Connects and checks the server answers (startup fails fast on a wrong URL). */
export async function pingRedis(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`approvals.store: Redis at ${redactUrl(url)} does not answer (${err instanceof Error ? err.message : String(err)})`);
  } finally {
    redis.disconnect();
  }
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'the configured URL';
  }
}
