import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';

/**
 * The Redis the suites share (set by the global setup: TEST_REDIS_URL, the server on
 * 6379 or a private redis-server); undefined when there is none.
 */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || undefined;

/**
 * A key namespace of its own on the shared Redis: suites never flush the server, they
 * delete their own prefix.
 */
export class TestRedis {
  readonly prefix = `test:${randomBytes(5).toString('hex')}:`;
  readonly client: Redis;

  constructor(url = TEST_REDIS_URL) {
    if (!url) {
      throw new Error(
        'No Redis for the tests: set TEST_REDIS_URL, run one on 127.0.0.1:6379 or install redis-server',
      );
    }
    this.client = new Redis(url, {
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      // A few reconnects, then give up: a Redis that went away fails the suite, it
      // does not keep it (and Jest) waiting forever.
      retryStrategy: (attempt) => (attempt > 5 ? null : attempt * 100),
    });
    this.client.on('error', () => undefined);
  }

  key(key: string): string {
    return this.prefix + key;
  }

  async get(key: string): Promise<string | null> {
    return this.client.get(this.key(key));
  }

  async ttl(key: string): Promise<number> {
    return this.client.ttl(this.key(key));
  }

  async clear(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(
        cursor,
        'MATCH',
        `${this.prefix}*`,
        'COUNT',
        500,
      );
      if (keys.length > 0) {
        await this.client.del(...keys);
      }
      cursor = next;
    } while (cursor !== '0');
  }

  /** Deletes this namespace and disconnects, even when the deletion fails. */
  async close(): Promise<void> {
    try {
      await this.clear();
    } finally {
      this.client.disconnect();
    }
  }
}

/** The cache `createTestApp()` gives a suite by default, as the health and metrics name it. */
export const DEFAULT_CACHE_BACKEND = TEST_REDIS_URL ? 'redis' : 'memory';
