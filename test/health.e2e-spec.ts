import request from 'supertest';
import { waitFor } from './helpers/free-port';
import { RedisServer } from './helpers/redis-server';
import { TcpProxy } from './helpers/tcp-proxy';
import { describeWith } from './helpers/requirements';
import { testBackendName, useTestApp } from './helpers/test-app';
import { DEFAULT_CACHE_BACKEND } from './helpers/test-redis';
import {
  createTestDatabase,
  queryDatabase,
  TestDatabase,
} from './helpers/test-database';
import { bearer } from './helpers/tokens';
import { API, SESSIONS } from './helpers/constants';

describe('Health probes', () => {
  describe(`with ${testBackendName()} up`, () => {
    const t = useTestApp();

    it('answers /health/live without a token', async () => {
      const response = await request(t.server).get('/health/live');
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('ok');
    });

    it('is ready: database reachable and migrated, cache up', async () => {
      const response = await request(t.server).get('/health/ready');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        status: 'ok',
        details: { database: { status: 'up', migrations: 'applied' } },
        degraded: [],
        cache: {
          backend: DEFAULT_CACHE_BACKEND,
          status: 'up',
          circuit: 'closed',
        },
      });
    });

    it('is not under the API prefix and ignores an invalid token', async () => {
      await expect(
        request(t.server).get(`${API}/health/ready`),
      ).resolves.toHaveProperty('status', 404);
      const response = await request(t.server)
        .get('/health/ready')
        .set('Authorization', 'Bearer not-a-token');
      expect(response.status).toBe(200);
    });
  });

  describeWith(
    ['redis-server'],
    'with Redis down (degraded, still ready)',
    () => {
      let redis: RedisServer;
      beforeAll(async () => {
        redis = await RedisServer.start();
      });
      const t = useTestApp(() => ({ env: { REDIS_URL: redis.url } }));
      afterAll(async () => {
        await redis?.close();
      });

      it('reports the cache down but stays ready and keeps serving', async () => {
        await expect(
          request(t.server).get('/health/ready'),
        ).resolves.toMatchObject({
          status: 200,
          body: { degraded: [], cache: { status: 'up' } },
        });
        await redis.stop();

        let body: Record<string, unknown> = {};
        await waitFor(
          async () => {
            const response = await request(t.server).get('/health/ready');
            expect(response.status).toBe(200);
            body = response.body as Record<string, unknown>;
            return (body.cache as { status: string }).status === 'down';
          },
          5_000,
          'the cache to be reported down',
          { intervalMs: 100, retryOnError: true },
        );
        expect(body).toMatchObject({
          status: 'ok',
          degraded: ['cache'],
          cache: { backend: 'redis', status: 'down' },
          details: { database: { status: 'up' } },
        });

        const created = await request(t.server)
          .post(SESSIONS)
          .set(bearer(1))
          .send({ title: 'works without redis' });
        expect(created.status).toBe(201);
        const active = await request(t.server)
          .get(`${SESSIONS}/active`)
          .set(bearer(1));
        expect(active.status).toBe(200);
        expect(active.body).toBe(created.body.id);
      });
    },
  );

  describe('with PostgreSQL behind a proxy that is cut', () => {
    let database: TestDatabase;
    let proxy: TcpProxy;
    beforeAll(async () => {
      database = await createTestDatabase();
      const target = new URL(database.url);
      proxy = await TcpProxy.start(target.hostname, Number(target.port));
    });
    const t = useTestApp(() => ({
      redis: false,
      env: { DATABASE_URL: proxy.urlFor(database.url) },
    }));
    // A failed case must not leave the proxy cut or frozen for the app's shutdown.
    afterEach(() => proxy.restore());
    afterAll(async () => {
      await proxy?.close();
      await database?.drop();
    });

    const timedReady = async () => {
      const started = Date.now();
      const response = await request(t.server).get('/health/ready');
      return { response, elapsedMs: Date.now() - started };
    };
    const readyAgain = () =>
      waitFor(
        async () => (await timedReady()).response.status === 200,
        10_000,
        'the service to be ready again',
        { intervalMs: 100, retryOnError: true },
      );

    it('answers 503 within about 2 s while PostgreSQL refuses, 200 once it is back', async () => {
      await expect(timedReady()).resolves.toMatchObject({
        response: { status: 200 },
      });

      proxy.cut();
      const down = await timedReady();
      expect(down.response.status).toBe(503);
      expect(down.elapsedMs).toBeLessThan(2_500);
      expect(down.response.body).toMatchObject({
        status: 'error',
        error: { database: { status: 'down', message: 'unreachable' } },
        cache: { backend: 'memory', status: 'up' },
      });
      expect(JSON.stringify(down.response.body)).not.toContain('127.0.0.1');

      proxy.restore();
      await readyAgain();
    });

    it('answers 503 within about 2 s while PostgreSQL hangs', async () => {
      proxy.freeze();
      const hung = await timedReady();
      expect(hung.response.status).toBe(503);
      expect(hung.elapsedMs).toBeLessThan(2_500);
      expect(hung.response.body.error.database.status).toBe('down');

      proxy.restore();
      await readyAgain();
    });
  });

  describe('with migrations pending', () => {
    const t = useTestApp({
      redis: false,
      env: { DB_MIGRATIONS_RUN: 'false' },
    });

    it('is live but not ready, and names what is missing', async () => {
      await expect(
        request(t.server).get('/health/live'),
      ).resolves.toHaveProperty('status', 200);

      const missingTable = await request(t.server).get('/health/ready');
      expect(missingTable.status).toBe(503);
      expect(missingTable.body.error.database.message).toMatch(
        /migrations have not run/,
      );

      await queryDatabase(
        t.database.url,
        'CREATE TABLE migrations (id serial PRIMARY KEY, "timestamp" bigint NOT NULL, name varchar NOT NULL)',
      );
      const pending = await request(t.server).get('/health/ready');
      expect(pending.status).toBe(503);
      expect(pending.body.error.database).toMatchObject({
        status: 'down',
        message: 'migrations pending',
        pending: [
          'CreateIdempotencyKeys1764900000000',
          'CreateSessions1764288000000',
        ],
      });
    });
  });
});
