import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';

export const TEST_REDIS_URL =
  process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A key namespace of its own on the shared Redis: suites never flush the server, they
 * delete their own prefix.
 */
export class TestRedis {
  readonly prefix = `test:${randomBytes(5).toString('hex')}:`;
  readonly client: Redis;

  constructor(url = TEST_REDIS_URL) {
    this.client = new Redis(url, {
      lazyConnect: false,
      maxRetriesPerRequest: 1,
    });
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

  async close(): Promise<void> {
    await this.clear();
    this.client.disconnect();
  }
}
