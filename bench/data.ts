/** The bench's own data: a throw-away database, seeded cohorts of users, their tokens, its Redis keys. */
import Redis from 'ioredis';
import { writeFileSync } from 'node:fs';
import { Client } from 'pg';
import { signToken } from '../src/auth/sign-token';

export const PG_ADMIN_URL =
  process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL =
  process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Users `first, first + step, …` (`users` of them), each with sessions `s1…sN`, `s1` active. */
export interface Cohort {
  first: number;
  users: number;
  sessions: number;
  step?: number;
}

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

/** Only databases named `…bench…` are ever created or dropped: the PostgreSQL is shared. */
function benchName(name: string): string {
  if (!name.includes('bench')) {
    throw new Error(
      `refusing to touch database ${name}: its name lacks "bench"`,
    );
  }
  return name;
}

export async function createDatabase(name: string): Promise<void> {
  await withClient(PG_ADMIN_URL, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${benchName(name)}"`);
    await client.query(`CREATE DATABASE "${name}"`);
  });
}

export async function dropDatabase(name: string): Promise<void> {
  await withClient(PG_ADMIN_URL, (client) =>
    client.query(`DROP DATABASE IF EXISTS "${benchName(name)}" WITH (FORCE)`),
  );
}

/**
 * One set-based statement per cohort (a million rows take seconds), then VACUUM ANALYZE
 * and a CHECKPOINT. Without the checkpoint the seed's dirty pages fill shared_buffers:
 * the first reads of a large table then wait for a backend to write one out, and the
 * timed checkpoint that follows minutes later lands inside a measured round (seen: the
 * 1M-row miss p99 at 1.6–2.1× the 10k one while 55–75% of the buffers were dirty).
 */
export async function seed(database: string, cohorts: Cohort[]): Promise<void> {
  await withClient(databaseUrl(database), async (client) => {
    await client.query('SET synchronous_commit = off');
    for (const { first, users, sessions, step = 1 } of cohorts) {
      await client.query(
        `INSERT INTO "sessions" ("user_id", "title", "active", "created_at", "updated_at")
         SELECT u, 's' || s, s = 1, now() - make_interval(secs => $4 - s),
                now() - make_interval(secs => $4 - s)
         FROM generate_series($1::int, $2::int, $3::int) AS u,
              generate_series(1, $4::int) AS s`,
        [first, first + (users - 1) * step, step, sessions],
      );
    }
    await client.query('VACUUM ANALYZE "sessions"');
    await client.query('CHECKPOINT');
  });
}

/** A file of `<user id> <token>` lines, one per user of the cohort, for bench/load.lua. */
export function writeTokens(file: string, cohort: Cohort, secret: string) {
  const exp = Math.floor(Date.now() / 1000) + 24 * 3600;
  const lines: string[] = [];
  for (let i = 0; i < cohort.users; i++) {
    const id = cohort.first + i * (cohort.step ?? 1);
    lines.push(`${id} ${signToken({ sub: String(id), exp }, secret)}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

async function withRedis<T>(work: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect();
  try {
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key under `prefix`, and nothing else: the Redis is shared. */
export function deleteKeys(prefix: string): Promise<number> {
  if (!prefix.startsWith('bench:')) {
    throw new Error(`refusing to delete keys outside bench: (${prefix})`);
  }
  return withRedis(async (redis) => {
    let deleted = 0;
    const match = { match: `${prefix}*`, count: 1000 };
    for await (const keys of redis.scanStream(match) as AsyncIterable<
      string[]
    >) {
      deleted += keys.length > 0 ? await redis.unlink(...keys) : 0;
    }
    return deleted;
  });
}

export async function serverVersions(): Promise<Record<string, string>> {
  const postgresql = await withClient(PG_ADMIN_URL, async (client) => {
    const { rows } = await client.query<{ v: string }>(
      "SELECT current_setting('server_version') AS v",
    );
    return rows[0].v;
  });
  const redis = await withRedis(async (client) => {
    const info = await client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  });
  return { postgresql, redis };
}
