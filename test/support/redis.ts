/**
 * A real Redis for tests: CALLGATE_TEST_REDIS_URL when set (CI starts one), otherwise a private
 * /usr/bin/redis-server on a free loopback port with persistence off, stopped by stop(). Each suite names
 * its own logical database, so suites running in parallel on a shared server never flush each other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import Redis from 'ioredis';

export interface TestRedis {
  readonly url: string;
  /** Deletes every key of this suite's database. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      client.disconnect();
    }
  }
}

async function flushAll(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    await client.flushdb();
  } finally {
    client.disconnect();
  }
}

/** `db`: the logical database (1-15) this suite owns. */
export async function startTestRedis(db: number): Promise<TestRedis> {
  const external = process.env.CALLGATE_TEST_REDIS_URL;
  if (external !== undefined && external !== '') {
    const url = `${external.replace(/\/\d*$/, '')}/${db}`;
    return { url, flush: () => flushAll(url), stop: async () => undefined };
  }
  const port = await freePort();
  const child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitForPing(`redis://127.0.0.1:${port}`, child);
  const url = `redis://127.0.0.1:${port}/${db}`;
  return {
    url,
    flush: () => flushAll(url),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
