import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { freePort, waitFor } from './helpers/free-port';
import { TestRedis } from './helpers/test-redis';
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
 * Runs `src/main.ts` as its own process, as production runs it, and reads what it
 * writes to stdout: pino writes to the file descriptor, not through `console`.
 */
describe('Structured request logs on stdout (spawned service)', () => {
  let database: TestDatabase;
  let redis: TestRedis;
  let service: ChildProcessWithoutNullStreams;
  let base: string;
  let stdout = '';
  let exit: Promise<{ code: number | null; signal: string | null }>;

  const lines = (): LogLine[] =>
    stdout
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
    redis = new TestRedis();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    service = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join('src', 'main.ts')],
      {
        cwd: join(__dirname, '..'),
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          PORT: String(port),
          DATABASE_URL: database.url,
          REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
          REDIS_KEY_PREFIX: redis.prefix,
          SECRET_KEY: TEST_SECRET,
          RATE_LIMIT_PER_MINUTE: '0',
          LOG_LEVEL: 'info',
        },
      },
    );
    service.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    service.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    exit = new Promise((resolve) =>
      service.once('exit', (code, signal) => resolve({ code, signal })),
    );
    await waitFor(
      async () => {
        if (service.exitCode !== null) {
          throw new Error(`service exited early:\n${stdout}`);
        }
        return (await fetch(`${base}/health/ready`)).status === 200;
      },
      90_000,
      'the service to be ready',
      { intervalMs: 100, retryOnError: true },
    );
  }, 120_000);

  afterAll(async () => {
    if (service.exitCode === null && service.signalCode === null) {
      service.kill('SIGKILL');
      await exit;
    }
    await redis.close();
    await database.drop();
  });

  it('writes one JSON line per request with method, route template, status, duration and the request id', async () => {
    const auth = `Bearer ${tokenFor(11)}`;
    const title = 'private title/with slash';
    await request(base)
      .post(SESSIONS)
      .set('Authorization', auth)
      .set('X-Request-Id', 'ops-log-create-1')
      .send({ title })
      .expect(201);
    const activated = await request(base)
      .post(`${SESSIONS}/active/${encodeURIComponent(title)}`)
      .set('Authorization', auth)
      .set('X-Request-Id', 'ops-log-activate-1');
    expect(activated.status).toBe(200);
    expect(activated.headers['x-request-id']).toBe('ops-log-activate-1');

    const generated = await request(base)
      .get(`${SESSIONS}/active`)
      .set('Authorization', auth)
      .set('X-Request-Id', 'not well formed!');
    const generatedId = generated.headers['x-request-id'];
    expect(generatedId).toMatch(UUID);

    const missing = await request(base)
      .get(`${SESSIONS}/does-not-exist`)
      .set('X-Request-Id', 'ops-log-missing-1');
    expect(missing.status).toBe(404);
    expect(missing.body.request_id).toBe('ops-log-missing-1');

    await waitFor(
      () => requestLines('ops-log-missing-1').length > 0,
      5_000,
      'the request log line',
      { intervalMs: 100, retryOnError: true },
    );
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
        route: '/api/v1/sessions/active/:title',
        status: 200,
      }),
    ]);
    expect(requestLines(generatedId)).toEqual([
      expect.objectContaining({
        route: `${SESSIONS}/active`,
        status: 200,
      }),
    ]);
    expect(requestLines('ops-log-missing-1')).toEqual([
      expect.objectContaining({ route: 'unmatched', status: 404 }),
    ]);

    expect(stdout).not.toContain(auth.slice(7));
    expect(stdout).not.toContain(TEST_SECRET);
    expect(stdout).not.toContain('private title');
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

    service.kill('SIGTERM');
    await expect(exit).resolves.toEqual({ code: 0, signal: null });
    await expect(connections()).resolves.toBe(0);
    expect(lines().filter((line) => line.level >= 50)).toHaveLength(1);
  });
});
