import Redis from 'ioredis';
import { writeFileSync } from 'node:fs';
import { Client } from 'pg';
import { signToken } from '../../src/auth/sign-token';

export const PG_ADMIN_URL =
  process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL =
  process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Users of the miss-path cohort start here, far above any `--users`. */
export const MISS_COHORT_FIRST_ID = 100_000_001;
/** One user holding 1,000 sessions, for the large-list check. */
export const BIG_LIST_USER_ID = 99_999_999;

export function databaseUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withClient<T>(
  url: string,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(name: string): Promise<void> {
  if (!name.includes('bench')) {
    throw new Error(`refusing to use database ${name}: its name lacks "bench"`);
  }
  await withClient(PG_ADMIN_URL, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}"`);
    await client.query(`CREATE DATABASE "${name}"`);
  });
}

export async function dropDatabase(name: string): Promise<void> {
  if (!name.includes('bench')) {
    return;
  }
  await withClient(PG_ADMIN_URL, (client) =>
    client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  );
}

/**
 * `users` users (ids first..first+users-1), each with `sessions` sessions titled
 * s1..sN, s1 active, created a second apart. One set-based statement, so a million
 * rows take seconds.
 */
export async function seedUsers(
  client: Client,
  first: number,
  users: number,
  sessions: number,
): Promise<void> {
  await client.query('SET synchronous_commit = off');
  await client.query(
    `INSERT INTO "sessions" ("user_id", "title", "active", "created_at", "updated_at")
     SELECT u, 's' || s, s = 1,
            now() - make_interval(secs => ${sessions} - s),
            now() - make_interval(secs => ${sessions} - s)
     FROM generate_series($1::int, $2::int) AS u, generate_series(1, $3::int) AS s`,
    [first, first + users - 1, sessions],
  );
}

export function writeTokens(
  file: string,
  userIds: Iterable<number>,
  secret: string,
): number {
  const exp = Math.floor(Date.now() / 1000) + 24 * 3600;
  const lines: string[] = [];
  for (const id of userIds) {
    lines.push(`${id} ${signToken({ sub: String(id), exp }, secret)}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return lines.length;
}

export function* range(first: number, count: number, step = 1) {
  for (let i = 0; i < count; i++) {
    yield first + i * step;
  }
}

/** Deletes every key under `prefix` (and nothing else) on the shared Redis. */
export async function deleteKeys(prefix: string): Promise<number> {
  if (!prefix.startsWith('bench:')) {
    throw new Error(`refusing to delete keys outside bench: (${prefix})`);
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(
        cursor,
        'MATCH',
        `${prefix}*`,
        'COUNT',
        1000,
      );
      cursor = next;
      if (keys.length > 0) {
        deleted += await redis.unlink(...keys);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

export async function redisVersion(): Promise<string> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect();
  try {
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    redis.disconnect();
  }
}
