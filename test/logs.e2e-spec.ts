import request from 'supertest';
import { waitFor } from './helpers/free-port';
import { ServiceProcess, startBuiltService } from './helpers/service-process';
import { TEST_REDIS_URL, TestRedis } from './helpers/test-redis';
import {
  createTestDatabase,
  queryDatabase,
  TestDatabase,
} from './helpers/test-database';
import { TEST_SECRET, tokenFor } from './helpers/tokens';
import { SESSIONS, UUID } from './helpers/constants';

interface LogLine {
  level: number;
  msg: string;
  request_id?: string;
  method?: string;
  route?: string;
  status?: number;
  duration_ms?: number;
  [key: string]: unknown;
}

/**
 * Runs the built service as its own process, as production runs it, and reads what it
 * writes to stdout: pino writes to the file descriptor, not through `console`.
 */
describe('Structured request logs on stdout (spawned service)', () => {
  let database: TestDatabase;
  let redis: TestRedis | undefined;
  let service: ServiceProcess;
  let base: string;

  const lines = (): LogLine[] =>
    service
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  const requestLines = (requestId: string) =>
    lines().filter(
      (line) =>
        line.request_id === requestId && line.msg === 'request completed',
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = TEST_REDIS_URL ? new TestRedis() : undefined;
    service = await startBuiltService({
      databaseUrl: database.url,
      redisUrl: TEST_REDIS_URL,
      redisKeyPrefix: redis?.prefix,
      extra: { NODE_ENV: 'production', LOG_LEVEL: 'info' },
    });
    base = service.baseUrl;
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await redis?.close();
    await database?.drop();
  });

  describe('after a create, an activation, a read with a malformed id and an unknown path', () => {
    const auth = `Bearer ${tokenFor(11)}`;
    const title = 'private title/with slash';
    let activated: request.Response;
    let generatedId: string;
    let missing: request.Response;

    beforeAll(async () => {
      await request(base)
        .post(SESSIONS)
        .set('Authorization', auth)
        .set('X-Request-Id', 'ops-log-create-1')
        .send({ title })
        .expect(201);
      activated = await request(base)
        .post(`${SESSIONS}/active/${encodeURIComponent(title)}`)
        .set('Authorization', auth)
        .set('X-Request-Id', 'ops-log-activate-1')
        .expect(200);
      const generated = await request(base)
        .get(`${SESSIONS}/active`)
        .set('Authorization', auth)
        .set('X-Request-Id', 'not well formed!');
      generatedId = generated.headers['x-request-id'];
      missing = await request(base)
        .get(`${SESSIONS}/does-not-exist`)
        .set('X-Request-Id', 'ops-log-missing-1')
        .expect(404);
      await waitFor(
        () => requestLines('ops-log-missing-1').length > 0,
        5_000,
        'the request log line',
        { intervalMs: 100, retryOnError: true },
      );
    });

    it('answers with the caller’s X-Request-Id, or a UUID in place of a malformed one', () => {
      expect(activated.headers['x-request-id']).toBe('ops-log-activate-1');
      expect(generatedId).toMatch(UUID);
      expect(missing.body.request_id).toBe('ops-log-missing-1');
    });

    it('writes one JSON line per request with method, route template, status and duration', () => {
      const [create] = requestLines('ops-log-create-1');
      expect(requestLines('ops-log-create-1')).toHaveLength(1);
      expect(create).toMatchObject({
        level: 30,
        method: 'POST',
        route: SESSIONS,
        status: 201,
      });
      expect(typeof create.duration_ms).toBe('number');
      expect(requestLines('ops-log-activate-1')).toEqual([
        expect.objectContaining({
          method: 'POST',
          route: `${SESSIONS}/active/:title`,
          status: 200,
        }),
      ]);
    });

    it('logs under the generated id, and an unknown path as route "unmatched"', () => {
      expect(requestLines(generatedId)).toEqual([
        expect.objectContaining({
          route: `${SESSIONS}/active`,
          status: 200,
        }),
      ]);
      expect(requestLines('ops-log-missing-1')).toEqual([
        expect.objectContaining({ route: 'unmatched', status: 404 }),
      ]);
    });

    it('never writes the token, the secret or a title', () => {
      expect(service.output()).not.toContain(auth.slice(7));
      expect(service.output()).not.toContain(TEST_SECRET);
      expect(service.output()).not.toContain('private title');
    });
  });

  it('logs an unexpected error through pino with the request id of its problem body', async () => {
    await queryDatabase(
      database.url,
      'ALTER TABLE sessions RENAME TO sessions_gone',
    );
    try {
      const failed = await request(base)
        .get(SESSIONS)
        .set('Authorization', `Bearer ${tokenFor(12)}`)
        .set('X-Request-Id', 'ops-log-failure-1');
      expect(failed.status).toBe(500);
      expect(failed.body.request_id).toBe('ops-log-failure-1');
      expect(JSON.stringify(failed.body)).not.toMatch(
        /sessions_gone|relation|stack/i,
      );
    } finally {
      await queryDatabase(
        database.url,
        'ALTER TABLE sessions_gone RENAME TO sessions',
      );
    }
    await waitFor(
      () => requestLines('ops-log-failure-1').length > 0,
      5_000,
      'the request log line',
      { intervalMs: 100, retryOnError: true },
    );
    const errors = lines().filter(
      (line) => line.level === 50 && line.request_id === 'ops-log-failure-1',
    );
    expect(errors).toHaveLength(1);
    expect(errors[0].context).toBe('ProblemDetailsFilter');
    expect(requestLines('ops-log-failure-1')).toEqual([
      expect.objectContaining({
        level: 40,
        status: 500,
        route: SESSIONS,
      }),
    ]);
  });

  it('drains on SIGTERM: closes the PostgreSQL pool and exits 0', async () => {
    const connections = () =>
      queryDatabase<{ count: string }>(
        database.url,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'session-service'",
      ).then(([row]) => Number(row.count));
    await expect(connections()).resolves.toBeGreaterThan(0);

    await expect(service.stop('SIGTERM')).resolves.toMatchObject({
      code: 0,
      signal: null,
    });
    await expect(connections()).resolves.toBe(0);
    expect(lines().filter((line) => line.level >= 50)).toHaveLength(1);
  });
});
