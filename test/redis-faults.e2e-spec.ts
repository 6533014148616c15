import { randomUUID } from 'node:crypto';
import { sessionCacheKeys } from '../src/sessions/session-cache.keys';
import { apiClient, ApiClient, ApiResult } from './helpers/api-client';
import { sleep, waitFor } from './helpers/free-port';
import { expectInvariants } from './helpers/invariants';
import { RedisServer } from './helpers/redis-server';
import { describeWith } from './helpers/requirements';
import { useServiceInstances } from './helpers/service-process';
import { TcpProxy } from './helpers/tcp-proxy';
import { createTestApp, TestApp } from './helpers/test-app';
import { createTestDatabase, TestDatabase } from './helpers/test-database';

jest.setTimeout(90_000);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
};

async function startInProcess(redis: RedisServer) {
  const t = await createTestApp({ env: { REDIS_URL: redis.url } });
  await t.app.listen(0, '127.0.0.1');
  const url = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
  return { t, api: apiClient(url) };
}

/** Exercises every route once and checks each answer; returns the latencies. */
async function everyRouteAnswers(
  api: ApiClient,
  user: number,
): Promise<number[]> {
  const results: ApiResult[] = [];
  const step = async (call: Promise<ApiResult>, status: number) => {
    const result = await call;
    results.push(result);
    expect(result.status).toBe(status);
    return result;
  };
  const a = await step(api.create(user, 'a'), 201);
  await step(api.create(user, 'a'), 409);
  const b = await step(api.create(user, 'b'), 201);
  await expect(step(api.active(user), 200)).resolves.toMatchObject({
    body: (b.body as { id: string }).id,
  });
  await step(api.activate(user, 'a'), 200);
  await expect(step(api.active(user), 200)).resolves.toMatchObject({
    body: (a.body as { id: string }).id,
  });
  await step(api.remove(user, 'a'), 400);
  await step(api.rename(user, 'b', 'c'), 200);
  const list = await step(api.list(user), 200);
  expect((list.body as Array<{ title: string }>).map((s) => s.title)).toEqual([
    'a',
    'c',
  ]);
  await step(api.remove(user, 'c'), 200);
  await step(api.deactivate(user), 200);
  await step(api.active(user), 404);
  await step(api.deactivate(user), 404);
  return results.map((result) => result.ms);
}

/** Puts a well-formed id only Redis knows at the key: answering it proves a cache hit. */
async function cacheIsUsed(
  api: ApiClient,
  redis: RedisServer,
  prefix: string,
  user: number,
) {
  const sentinel = randomUUID();
  const key = prefix + sessionCacheKeys.active(user);
  return waitFor(
    async () => {
      await redis.client.set(key, sentinel).catch(() => undefined);
      return (await api.active(user)).body === sentinel;
    },
    10_000,
    'the cache to be read again',
    { intervalMs: 50 },
  );
}

describeWith(
  ['redis-server'],
  'Redis faults (single instance, own redis-server)',
  () => {
    let redis: RedisServer;
    let t: TestApp | undefined;

    afterEach(async () => {
      await t?.close();
      t = undefined;
      await redis?.close();
    });

    it('costs what docs/cache.md says: hit 1 GET, miss GET + EVALSHA, mutation one pipeline of SETs', async () => {
      redis = await RedisServer.start();
      const started = await startInProcess(redis);
      t = started.t;
      const { api } = started;
      await api.create(9, 'warm');
      await api.active(9);
      await sleep(100);

      const monitor = await redis.client.duplicate().monitor();
      const commands: string[] = [];
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (args[0].toUpperCase() !== 'PING') {
          commands.push(args[0].toUpperCase());
        }
      });
      const observe = async (
        call: () => Promise<ApiResult>,
        status: number,
      ) => {
        commands.length = 0;
        await expect(call()).resolves.toMatchObject({ status });
        await sleep(200);
        return [...commands];
      };
      await expect(observe(() => api.active(9), 200)).resolves.toEqual(['GET']);
      await expect(observe(() => api.create(9, 'next'), 201)).resolves.toEqual([
        'SET',
        'SET',
      ]);
      // MONITOR also lists the GET and SET the fill script runs inside Redis.
      await expect(observe(() => api.active(9), 200)).resolves.toEqual([
        'GET',
        'EVALSHA',
        'GET',
        'SET',
      ]);
      await expect(observe(() => api.active(9), 200)).resolves.toEqual(['GET']);
      monitor.disconnect();
    });

    it('Redis down at boot: the service starts, every route answers, and the cache is used once Redis is up', async () => {
      redis = await RedisServer.reserve();
      const started = await startInProcess(redis);
      t = started.t;
      const latencies = await everyRouteAnswers(started.api, 1);
      expect(Math.max(...latencies)).toBeLessThan(1_000);
      await expectInvariants(t.database.url, [started.api], [1]);

      await redis.boot();
      const recoveredInMs = await cacheIsUsed(
        started.api,
        redis,
        t.redis!.prefix,
        1,
      );
      console.log(
        `[figures] Redis up after a boot without it: cache used again in ${recoveredInMs} ms`,
      );
    });

    it('Redis frozen (SIGSTOP): every request completes in under 1 s from PostgreSQL; after SIGCONT the cache is used again', async () => {
      redis = await RedisServer.start();
      const started = await startInProcess(redis);
      t = started.t;
      const { api } = started;
      await everyRouteAnswers(api, 1);
      await api.create(2, 'warm');
      await api.active(2);

      redis.freeze();
      const latencies: number[] = [];
      const until = Date.now() + 3_000;
      let round = 0;
      while (Date.now() < until) {
        round += 1;
        latencies.push(...(await everyRouteAnswers(api, 100 + round)));
        const burst = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            i % 2 ? api.active(2) : api.list(2),
          ),
        );
        expect(burst.map((r) => r.status)).toEqual(Array(10).fill(200));
        latencies.push(...burst.map((r) => r.ms));
      }
      const max = Math.max(...latencies);
      console.log(
        `[figures] Redis frozen: ${latencies.length} requests, max ${max.toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, p50 ${percentile(latencies, 50).toFixed(0)} ms`,
      );
      expect(max).toBeLessThan(1_000);
      await expectInvariants(t.database.url, [api], [2]);

      const resumedAt = Date.now();
      redis.resume();
      await cacheIsUsed(api, redis, t.redis!.prefix, 2);
      console.log(
        `[figures] Redis resumed: cache used again in ${Date.now() - resumedAt} ms`,
      );
    });

    it('Redis restarted: the service reconnects and uses the cache again within 10 s', async () => {
      redis = await RedisServer.start();
      const started = await startInProcess(redis);
      t = started.t;
      await started.api.create(3, 'x');
      await redis.stop();
      await everyRouteAnswers(started.api, 4);
      const restartedAt = Date.now();
      await redis.boot();
      await cacheIsUsed(started.api, redis, t.redis!.prefix, 3);
      console.log(
        `[figures] Redis restarted: cache used again in ${Date.now() - restartedAt} ms`,
      );
    });
  },
);

describeWith(
  ['redis-server'],
  'Redis faults across two instances: no stale active id 2 s after Redis is back',
  () => {
    let database: TestDatabase;
    let redis: RedisServer;
    let proxy: TcpProxy;
    const prefix = `test:faults:${randomUUID().slice(0, 8)}:`;

    beforeAll(async () => {
      database = await createTestDatabase();
      redis = await RedisServer.start();
      proxy = await TcpProxy.start('127.0.0.1', redis.port);
    });
    const { clients } = useServiceInstances(2, () => ({
      databaseUrl: database.url,
      redisUrl: `redis://127.0.0.1:${proxy.port}`,
      redisKeyPrefix: prefix,
    }));
    afterAll(async () => {
      await proxy?.close();
      await redis?.close();
      await database?.drop();
    });

    /**
     * Both instances have the old id cached; the switch happens while Redis cannot be
     * reached; then Redis comes back still holding the old id (nothing evicted it).
     */
    async function switchDuringOutage(
      user: number,
      outage: { begin: () => void; end: () => void },
    ) {
      const [first, second] = clients;
      const a = await first.create(user, 'A');
      await first.create(user, 'B');
      await first.activate(user, 'A');
      const oldId = (a.body as { id: string }).id;
      for (const client of clients) {
        await expect(client.active(user)).resolves.toMatchObject({
          body: oldId,
        });
      }
      await waitFor(
        async () =>
          (await redis.client.get(prefix + sessionCacheKeys.active(user))) ===
          oldId,
        5_000,
        'the old id to be cached',
      );

      outage.begin();
      // Let both instances notice the outage the way traffic would.
      for (const client of clients) {
        await client.active(user);
        await client.active(user);
      }
      await expect(first.activate(user, 'B')).resolves.toMatchObject({
        status: 200,
      });
      const newId = (await first.active(user)).body as string;
      expect(newId).not.toBe(oldId);
      for (const client of clients) {
        await expect(client.active(user)).resolves.toMatchObject({
          body: newId,
        });
      }
      await sleep(300);

      const backAt = Date.now();
      outage.end();
      let lastStaleAt = 0;
      while (Date.now() - backAt < 5_000) {
        const answers = await Promise.all([
          second.active(user),
          first.active(user),
        ]);
        for (const answer of answers) {
          expect(answer.status).toBe(200);
          if (answer.body === oldId) {
            lastStaleAt = Date.now();
          } else {
            expect(answer.body).toBe(newId);
          }
        }
        await sleep(20);
      }
      const staleForMs = lastStaleAt ? lastStaleAt - backAt : 0;
      await expect(
        redis.client.get(prefix + sessionCacheKeys.active(user)),
      ).resolves.not.toBe(oldId);
      await expectInvariants(database.url, clients, [user]);
      return staleForMs;
    }

    it('Redis unreachable (connections cut, value kept): the pending fence is replayed', async () => {
      const staleForMs = await switchDuringOutage(1, {
        begin: () => proxy.cut(),
        end: () => proxy.restore(),
      });
      console.log(
        `[figures] unreachable Redis back: old id served up to ${staleForMs} ms after`,
      );
      expect(staleForMs).toBeLessThanOrEqual(2_000);
    });

    it('Redis frozen (SIGSTOP) during the switch', async () => {
      const staleForMs = await switchDuringOutage(2, {
        begin: () => redis.freeze(),
        end: () => redis.resume(),
      });
      console.log(
        `[figures] frozen Redis resumed: old id served up to ${staleForMs} ms after`,
      );
      expect(staleForMs).toBeLessThanOrEqual(2_000);
    });
  },
);
