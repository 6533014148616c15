/**
 * The floor: what the benchmarked routes cost with no framework at all. Plain node:http,
 * HS256 verified with node:crypto, and exactly the Redis and PostgreSQL work the service
 * does per request (the same GET, the same fenced fill script, the same queries and
 * transaction statements, the same fences). Whatever the service costs beyond this is
 * the price of Nest, Fastify, passport, TypeORM and class-validator.
 *
 * Env: PORT, DATABASE_URL, REDIS_URL, REDIS_KEY_PREFIX, SECRET_KEY, DB_POOL_SIZE.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import Redis from 'ioredis';
import { Pool, PoolClient } from 'pg';
import {
  CacheScriptCommands,
  FILL_SCRIPT,
} from '../../src/redis/cache-scripts';

const LOCK_SPACE = 0x5e55_1011;
const TTL_SECONDS = 3600;
const MAX_SESSIONS_PER_USER = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PLAIN_DECIMAL = /^[1-9][0-9]{0,9}$/;
const ACTIVATE_PREFIX = '/api/v1/sessions/active/';

type FloorRedis = Redis & Pick<CacheScriptCommands, 'fenceFill'>;

const secret = Buffer.from(process.env.SECRET_KEY ?? '');
const expectedHeader = Buffer.from(
  JSON.stringify({ alg: 'HS256', typ: 'JWT' }),
).toString('base64url');
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  keyPrefix: process.env.REDIS_KEY_PREFIX ?? 'bench:floor:',
  enableAutoPipelining: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 250,
  lazyConnect: true,
}) as FloorRedis;
redis.defineCommand('fenceFill', { numberOfKeys: 1, lua: FILL_SCRIPT });
const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DB_POOL_SIZE ?? 10),
});
let fenceCounter = 0;

/** HS256 only, exp required, sub a plain decimal user id: the service's rules, minus passport. */
function userIdOf(request: IncomingMessage): number | undefined {
  const header = request.headers.authorization;
  if (!header || !header.startsWith('Bearer ')) {
    return undefined;
  }
  const token = header.slice(7);
  const firstDot = token.indexOf('.');
  const lastDot = token.lastIndexOf('.');
  if (firstDot <= 0 || lastDot === firstDot) {
    return undefined;
  }
  const headerPart = token.slice(0, firstDot);
  if (
    headerPart !== expectedHeader &&
    JSON.parse(Buffer.from(headerPart, 'base64url').toString()).alg !== 'HS256'
  ) {
    return undefined;
  }
  const signature = Buffer.from(token.slice(lastDot + 1), 'base64url');
  const expected = createHmac('sha256', secret)
    .update(token.slice(0, lastDot))
    .digest();
  if (
    signature.length !== expected.length ||
    !timingSafeEqual(signature, expected)
  ) {
    return undefined;
  }
  const payload = JSON.parse(
    Buffer.from(token.slice(firstDot + 1, lastDot), 'base64url').toString(),
  ) as { sub?: unknown; exp?: unknown };
  if (typeof payload.exp !== 'number' || payload.exp * 1000 <= Date.now()) {
    return undefined;
  }
  const id =
    typeof payload.sub === 'string' && PLAIN_DECIMAL.test(payload.sub)
      ? Number(payload.sub)
      : undefined;
  return id !== undefined && id <= 2_147_483_647 ? id : undefined;
}

function send(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

async function cached(
  key: string,
  load: () => Promise<string | undefined>,
  isValid: (raw: string) => boolean,
): Promise<string | undefined> {
  const raw = await redis.get(key).catch(() => undefined);
  if (raw != null && isValid(raw)) {
    return raw;
  }
  const value = await load();
  if (value !== undefined && raw !== undefined) {
    await redis
      .fenceFill(
        key,
        raw === null ? 'nil' : 'eq',
        raw ?? '',
        value,
        TTL_SECONDS,
      )
      .catch(() => undefined);
  }
  return value;
}

async function activeSessionId(userId: number): Promise<string | undefined> {
  const { rows } = await pool.query<{ id: string }>(
    'SELECT "id" FROM "sessions" WHERE "user_id" = $1 AND "active" LIMIT 1',
    [userId],
  );
  return rows[0]?.id;
}

async function listSessions(userId: number): Promise<string> {
  const { rows } = await pool.query(
    'SELECT "id", "user_id", "title", "active", "created_at", "updated_at" FROM "sessions" WHERE "user_id" = $1 ORDER BY "created_at" ASC, "id" ASC',
    [userId],
  );
  return JSON.stringify(rows);
}

async function fence(userId: number): Promise<void> {
  const pipeline = redis.pipeline();
  for (const key of [
    `session:active:user:${userId}`,
    `session:list:user:${userId}`,
  ]) {
    pipeline.set(key, `~fence:floor:${++fenceCounter}`, 'EX', TTL_SECONDS);
  }
  await pipeline.exec().catch(() => undefined);
}

async function inUserTransaction<T>(
  userId: number,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('START TRANSACTION');
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [
      LOCK_SPACE,
      userId,
    ]);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function createSession(userId: number, title: string): Promise<unknown> {
  const created = await inUserTransaction(userId, async (client) => {
    const check = await client.query<{ total: number; taken: boolean }>(
      'SELECT count(*)::int AS "total", coalesce(bool_or("title" = $2), false) AS "taken" FROM "sessions" WHERE "user_id" = $1',
      [userId, title],
    );
    const { total, taken } = check.rows[0];
    if (taken || total >= MAX_SESSIONS_PER_USER) {
      return 409;
    }
    await client.query(
      'UPDATE "sessions" SET "active" = false, "updated_at" = now() WHERE "user_id" = $1 AND "active"',
      [userId],
    );
    const { rows } = await client.query(
      'INSERT INTO "sessions" ("user_id", "title", "active") VALUES ($1, $2, true) RETURNING "id", "user_id", "title", "active", "created_at", "updated_at"',
      [userId, title],
    );
    return rows[0];
  });
  await fence(userId);
  return created;
}

async function activate(userId: number, title: string): Promise<boolean> {
  const found = await inUserTransaction(userId, async (client) => {
    const { rows } = await client.query<{ id: string; active: boolean }>(
      'SELECT "id", "user_id", "title", "active", "created_at", "updated_at" FROM "sessions" WHERE "user_id" = $1 AND "title" = $2 LIMIT 1',
      [userId, title],
    );
    const session = rows[0];
    if (!session) {
      return false;
    }
    if (!session.active) {
      await client.query(
        'UPDATE "sessions" SET "active" = false, "updated_at" = CURRENT_TIMESTAMP WHERE "user_id" = $1 AND "active" = true',
        [userId],
      );
      await client.query(
        'UPDATE "sessions" SET "active" = true, "updated_at" = CURRENT_TIMESTAMP WHERE "id" = $1',
        [session.id],
      );
    }
    return true;
  });
  await fence(userId);
  return found;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = request.url ?? '/';
  if (url === '/ready') {
    return send(response, 200, '"ok"');
  }
  const userId = userIdOf(request);
  if (userId === undefined) {
    return send(response, 401, '{"detail":"unauthorized"}');
  }
  if (request.method === 'GET' && url === '/api/v1/sessions/active') {
    const id = await cached(
      `session:active:user:${userId}`,
      () => activeSessionId(userId),
      (raw) => UUID.test(raw),
    ).catch(() => undefined);
    return id === undefined
      ? send(response, 404, '{"detail":"no active session"}')
      : send(response, 200, JSON.stringify(id));
  }
  if (request.method === 'GET' && url === '/api/v1/sessions') {
    const body = await cached(
      `session:list:user:${userId}`,
      () => listSessions(userId),
      (raw) => raw.startsWith('['),
    );
    return send(response, 200, body ?? '[]');
  }
  if (request.method === 'POST' && url === '/api/v1/sessions') {
    const { title } = JSON.parse(await readBody(request)) as { title: string };
    const created = await createSession(userId, title);
    return created === 409
      ? send(response, 409, '{"detail":"conflict"}')
      : send(response, 201, JSON.stringify(created));
  }
  if (request.method === 'POST' && url.startsWith(ACTIVATE_PREFIX)) {
    const title = decodeURIComponent(url.slice(ACTIVATE_PREFIX.length));
    return (await activate(userId, title))
      ? send(
          response,
          200,
          JSON.stringify({
            detail: `'${title}' set as active session for user_id=${userId}`,
          }),
        )
      : send(response, 404, '{"detail":"not found"}');
  }
  send(response, 404, '{"detail":"no route"}');
}

async function main(): Promise<void> {
  await redis.connect();
  await pool.query('SELECT 1');
  const server = createServer((request, response) => {
    handle(request, response).catch(() => send(response, 500, '{}'));
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.PORT ?? 8101), '127.0.0.1');
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void pool.end();
    redis.disconnect();
  });
}

void main();
