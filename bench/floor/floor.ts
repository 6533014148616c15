/**
 * The floor: the benchmarked routes with no framework, plain node:http doing the work the
 * service does per request. Its definitions come from src, so the two cannot drift: the
 * same response headers (helmet's, X-Request-Id, no-store, the rate-limit headers), the
 * same verified-token cache and `sub` parsing, the same cache keys, hit checks, fenced
 * fills and fences, the same SQL and lock, the same Prometheus series. What the service
 * costs beyond this is the price of Nest, Fastify, passport, jsonwebtoken,
 * class-validator and TypeORM. It reads the service's environment.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  createServer,
  IncomingMessage,
  ServerResponse,
  STATUS_CODES,
} from 'node:http';
import { Pool, PoolClient } from 'pg';
import { parseUserId } from '../../src/auth/user-id';
import { VerifiedTokenCache } from '../../src/auth/verified-token-cache';
import { API_PREFIX } from '../../src/http/api-prefix';
import * as limits from '../../src/http/connection-limits';
import { requestIdOf } from '../../src/http/request-id';
import { SECURITY_HEADERS } from '../../src/http/security-headers';
import { buildConfiguration } from '../../src/config';
import { MetricsService } from '../../src/metrics/metrics.service';
import { RATE_LIMIT_WINDOW_MS } from '../../src/rate-limit/rate-limit.module';
import { rateLimitKey } from '../../src/rate-limit/user-throttler.guard';
import { FENCE_PREFIX } from '../../src/redis/cache-store';
import { createRedisClient } from '../../src/redis/redis-client';
import { titleProblem } from '../../src/sessions/dto/is-session-title.decorator';
import { sessionCacheKeys } from '../../src/sessions/session-cache.keys';
import * as policies from '../../src/sessions/sessions.cache-policies';
import * as statements from '../../src/sessions/sessions.statements';

const { SESSION_STATEMENTS: SQL, USER_SESSIONS_LOCK_SPACE } = statements;
const config = buildConfiguration(process.env);
const API = `/${API_PREFIX}/sessions`;
const ACTIVATE = `${API}/active/`;
const STATIC_HEADERS = Object.entries(SECURITY_HEADERS).flat();
const HS256 = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
const secret = Buffer.from(config.jwt.secret!, 'utf8');
const fencePrefix = `${FENCE_PREFIX}floor:${randomBytes(6).toString('hex')}:`;
let fences = 0;

// The service's own client: the same options, timeouts, auto-pipelining and scripts.
const redis = createRedisClient(config.redis!, config.redisKeyPrefix);
const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: config.dbPoolSize,
});
// The service's own metrics, cache of verified tokens and cache hit checks.
const up = { backend: 'redis', status: 'up', circuit: 'closed' };
const store = { health: () => Promise.resolve(up) };
const metrics = new MetricsService(
  { driver: { master: pool } } as never,
  store as never,
);
const verifiedTokens = new VerifiedTokenCache({
  getOrThrow: () => config.jwt,
} as never);
const activeIdPolicy = policies.activeSessionIdPolicy;
const listPolicy = new policies.SessionListPolicy();

/** One request's answer: the service's headers in the service's order, then its metrics. */
class Exchange {
  readonly started = performance.now();
  readonly requestId: string;
  route = 'unmatched';
  /** The rate-limit headers, once counted. */
  limitHeaders: string[] = [];

  constructor(
    readonly request: IncomingMessage,
    private readonly response: ServerResponse,
  ) {
    this.requestId = requestIdOf(request);
  }

  send(status: number, body: string, type = 'application/json'): void {
    const length = String(Buffer.byteLength(body));
    this.response.writeHead(status, [
      ...STATIC_HEADERS,
      ...['x-request-id', this.requestId, 'cache-control', 'no-store'],
      ...this.limitHeaders,
      ...['content-type', `${type}; charset=utf-8`, 'content-length', length],
    ]);
    this.response.end(body);
    const seconds = (performance.now() - this.started) / 1000;
    metrics.observeRequest(this.request.method!, this.route, status, seconds);
  }

  problem(status: number, detail: string): void {
    const title = STATUS_CODES[status];
    const problem = {
      type: 'about:blank',
      title,
      status,
      detail,
      request_id: this.requestId,
    };
    this.send(status, JSON.stringify(problem), 'application/problem+json');
  }
}

const decoded = (part: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(part, 'base64url').toString());

/** HS256 with node:crypto and the service's rules: `exp` required (clock tolerance included), `sub` a user id. */
function verifiedUserId(header: string | undefined): number | undefined {
  const known = verifiedTokens.get(header);
  if (known || header === undefined || !/^bearer /i.test(header)) {
    return known?.id;
  }
  const [head, payload, signature, extra] = header.slice(7).split('.');
  if (
    signature === undefined ||
    extra !== undefined ||
    (head !== HS256 && decoded(head).alg !== 'HS256')
  ) {
    return undefined;
  }
  const given = Buffer.from(signature, 'base64url');
  const expected = createHmac('sha256', secret)
    .update(`${head}.${payload}`)
    .digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return undefined;
  }
  const { exp, sub } = decoded(payload);
  const id = parseUserId(sub);
  const now = Date.now() / 1000;
  if (
    typeof exp !== 'number' ||
    exp + config.jwt.clockToleranceSeconds <= now ||
    id === undefined
  ) {
    return undefined;
  }
  verifiedTokens.remember(header, { id }, exp);
  return id;
}

/** The throttler's fixed window, counted in Redis; false when the caller is over the limit. */
async function withinRateLimit(
  exchange: Exchange,
  userId: number,
): Promise<boolean> {
  const limit = config.rateLimitPerMinute;
  const key = rateLimitKey('default', userId);
  if (limit === 0) {
    return true;
  }
  const counted = await redis
    .countInWindow(key, RATE_LIMIT_WINDOW_MS)
    .catch(() => undefined);
  // Redis unavailable: the service then counts per instance; the floor lets it through
  if (counted === undefined) {
    return true;
  }
  const [count, ttlMs] = counted;
  const reset = String(Math.max(1, Math.ceil(ttlMs / 1000)));
  const remaining = String(Math.max(0, limit - count));
  const limitHeaders = ['x-ratelimit-limit', String(limit)];
  limitHeaders.push(
    'x-ratelimit-remaining',
    remaining,
    'x-ratelimit-reset',
    reset,
  );
  exchange.limitHeaders = count > limit ? ['retry-after', reset] : limitHeaders;
  return count <= limit;
}

/** SessionCacheInterceptor's work: a checked hit, or the handler's body and a fenced fill. */
async function readThrough<Body>(
  policy: policies.UserCachePolicy<Body>,
  userId: number,
  load: () => Promise<Body | undefined>,
): Promise<string | undefined> {
  const key = policy.key(userId);
  const raw = await redis.get(key).catch(() => undefined);
  const cached = raw != null ? policy.fromCache(raw, userId) : undefined;
  if (cached !== undefined) {
    metrics.cacheHit.inc();
    return cached;
  }
  (raw === undefined ? metrics.cacheError : metrics.cacheMiss).inc();
  const body = await load();
  if (body === undefined) {
    return undefined;
  }
  const json = JSON.stringify(body);
  if (raw !== undefined) {
    const [expectation, expected] =
      raw === null ? (['nil', ''] as const) : (['eq', raw] as const);
    const value = policy.toCache(body, json);
    const ttl = config.cacheTtlSeconds;
    redis
      .fenceFill(key, expectation, expected, value, ttl)
      .catch(() => undefined);
  }
  return json;
}

async function rows<T>(
  sql: string,
  values: unknown[],
  client: Pool | PoolClient = pool,
): Promise<T[]> {
  return (await client.query(sql, values)).rows as T[];
}

async function inUserLock<T>(
  userId: number,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('START TRANSACTION');
    await client.query(SQL.lockUser, [USER_SESSIONS_LOCK_SPACE, userId]);
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

/** A mutation: one transaction under the user's lock, then the fences on the user's keys. */
async function mutate<T>(
  userId: number,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const result = await inUserLock(userId, work);
  const ttl = config.cacheTtlSeconds;
  const fenced = sessionCacheKeys
    .all(userId)
    .map((key) => redis.set(key, fencePrefix + ++fences, 'EX', ttl));
  await Promise.all(fenced).catch(() => undefined);
  return result;
}

async function create(
  exchange: Exchange,
  userId: number,
  title: unknown,
): Promise<void> {
  const invalid = titleProblem(title);
  if (invalid !== undefined) {
    return exchange.problem(422, invalid);
  }
  const created = await mutate(userId, async (client) => {
    const [counted] = await rows<{ total: number; taken: boolean }>(
      SQL.countAndTitleTaken,
      [userId, title],
      client,
    );
    if (counted.taken || counted.total >= config.maxSessionsPerUser) {
      return undefined;
    }
    await client.query(SQL.deactivateAll, [userId]);
    return (await rows(SQL.insertActive, [userId, title], client))[0];
  });
  return created === undefined
    ? exchange.problem(409, 'The title is taken or the limit is reached')
    : exchange.send(201, JSON.stringify(created));
}

async function activate(
  exchange: Exchange,
  userId: number,
  title: string,
): Promise<void> {
  const found = await mutate(userId, async (client) => {
    const [session] = title.includes('\u0000')
      ? []
      : await rows<{ id: string; active: boolean }>(
          SQL.findByTitle,
          [userId, title],
          client,
        );
    if (session && !session.active) {
      await client.query(SQL.deactivateAll, [userId]);
      await client.query(SQL.activate, [session.id]);
    }
    return session !== undefined;
  });
  const detail = `'${title}' set as active session for user_id=${userId}`;
  return found
    ? exchange.send(200, JSON.stringify({ detail }))
    : exchange.problem(404, 'No session has this title');
}

function readJson(request: IncomingMessage): Promise<{ title?: unknown }> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => resolve(JSON.parse(body) as { title?: unknown }));
    request.on('error', reject);
  });
}

async function handle(exchange: Exchange): Promise<void> {
  const { method, url = '/', headers } = exchange.request;
  const path = url.split('?', 1)[0];
  const title = path.startsWith(ACTIVATE)
    ? path.slice(ACTIVATE.length)
    : undefined;
  const routes = [`${API}/active`, API];
  exchange.route =
    title !== undefined
      ? `${ACTIVATE}:title`
      : routes.includes(path)
        ? path
        : 'unmatched';
  const userId = verifiedUserId(headers.authorization);
  if (userId === undefined) {
    return exchange.problem(401, 'The token is invalid');
  }
  if (!(await withinRateLimit(exchange, userId))) {
    return exchange.problem(
      429,
      'Too many requests; slow down and retry later',
    );
  }
  if (method === 'GET' && path === `${API}/active`) {
    const activeId = async () =>
      (await rows<{ id: string }>(SQL.activeId, [userId]))[0]?.id;
    const json = await readThrough(activeIdPolicy, userId, activeId);
    return json === undefined
      ? exchange.problem(404, 'No active session')
      : exchange.send(200, json);
  }
  if (method === 'GET' && path === API) {
    const list = () => rows<never>(SQL.listOldestFirst, [userId]);
    return exchange.send(200, (await readThrough(listPolicy, userId, list))!);
  }
  if (method === 'POST' && path === API) {
    return create(exchange, userId, (await readJson(exchange.request)).title);
  }
  if (method === 'POST' && title !== undefined) {
    return activate(exchange, userId, decodeURIComponent(title));
  }
  exchange.problem(404, 'No route matches this method and path');
}

async function main(): Promise<void> {
  await redis.connect();
  await pool.query('SELECT 1');
  const server = createServer(limits.DEADLINE_CHECKS, (request, response) => {
    const exchange = new Exchange(request, response);
    handle(exchange).catch(() => exchange.problem(500, 'Internal error'));
  });
  // the service's bounds: the keep-alive one is announced in every Keep-Alive header
  limits.applyConnectionLimits(server, config.httpTimeouts);
  server.listen(config.port, '127.0.0.1');
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void pool.end();
    redis.disconnect();
  });
}

void main();
