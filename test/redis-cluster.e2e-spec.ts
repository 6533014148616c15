import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import request from 'supertest';
import { waitFor } from './helpers/free-port';
import { OwnRedisCluster } from './helpers/redis-cluster-ops';
import { describeWith } from './helpers/requirements';
import { createTestApp, TestApp } from './helpers/test-app';
import { queryDatabase } from './helpers/test-database';
import { bearer } from './helpers/tokens';
import { API } from './helpers/constants';

const FENCE = /^~fence:/;

describeWith(
  ['redis-server', 'redis-cli'],
  'Cache on a Redis Cluster (REDIS_CLUSTER_NODES)',
  () => {
    let cluster: OwnRedisCluster;
    let t: TestApp;
    let inspector: Cluster;
    const prefix = `test:cluster:${randomBytes(4).toString('hex')}:`;

    const activeKey = (userId: number) => `session:active:user:${userId}`;
    const listKey = (userId: number) => `session:list:user:${userId}`;
    const create = (userId: number, title: string) =>
      request(t.server)
        .post(`${API}/sessions`)
        .set(bearer(userId))
        .send({ title });
    const active = (userId: number) =>
      request(t.server).get(`${API}/sessions/active`).set(bearer(userId));
    const list = (userId: number) =>
      request(t.server).get(`${API}/sessions`).set(bearer(userId));
    const activate = (userId: number, title: string) =>
      request(t.server)
        .post(`${API}/sessions/active/${encodeURIComponent(title)}`)
        .set(bearer(userId));
    const truth = async (userId: number) =>
      (
        await queryDatabase<{ id: string }>(
          t.database.url,
          'SELECT id FROM sessions WHERE user_id = $1 AND active',
          [userId],
        )
      )[0]?.id;

    beforeAll(async () => {
      cluster = await OwnRedisCluster.start();
      t = await createTestApp({
        redis: false,
        env: {
          REDIS_CLUSTER_NODES: cluster.seedList,
          REDIS_KEY_PREFIX: prefix,
        },
      });
      inspector = new Cluster(
        cluster.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
        { keyPrefix: prefix, redisOptions: { maxRetriesPerRequest: 1 } },
      );
      inspector.on('error', () => undefined);
      // A freshly created cluster can still be settling when the service boots; the suite is
      // about a cluster that is up, so start once the service itself reports it reachable.
      await waitFor(
        async () => {
          const { body } = await request(t.server).get('/health/ready');
          return (
            (body as { cache?: { status?: string } }).cache?.status === 'up'
          );
        },
        15_000,
        'the service to reach the cluster',
        { intervalMs: 100, retryOnError: true },
      );
    }, 90_000);

    afterAll(async () => {
      inspector?.disconnect();
      await t?.close();
      await cluster?.stop();
    });

    it('fills both per-user keys into the cluster and serves hits from it', async () => {
      const created = await create(21, 'first');
      expect(created.status).toBe(201);
      await expect(active(21)).resolves.toMatchObject({
        status: 200,
        body: created.body.id,
      });
      await waitFor(
        async () => (await inspector.get(activeKey(21))) === created.body.id,
        5_000,
        'the cache key to be written',
        { intervalMs: 100, retryOnError: true },
      );
      await expect(list(21)).resolves.toHaveProperty('status', 200);
      await waitFor(
        async () =>
          (await inspector.get(listKey(21)))?.startsWith('[') ?? false,
        5_000,
        'the cache key to be written',
        { intervalMs: 100, retryOnError: true },
      );
      const slots = await Promise.all(
        [activeKey(21), listKey(21)].map((key) =>
          inspector.cluster('KEYSLOT', prefix + key),
        ),
      );
      expect(slots[0]).not.toBe(slots[1]);

      const planted = '00000000-0000-4000-8000-000000000021';
      await inspector.set(activeKey(21), planted, 'EX', 60);
      await expect(active(21)).resolves.toMatchObject({
        status: 200,
        body: planted,
      });
    });

    it('fences both keys on every mutation, so reads follow writes', async () => {
      const one = (await create(22, 'one')).body as { id: string };
      await active(22).expect(200);
      await list(22).expect(200);
      await waitFor(
        async () => (await inspector.get(activeKey(22))) === one.id,
        5_000,
        'the cache key to be written',
        { intervalMs: 100, retryOnError: true },
      );

      const two = (await create(22, 'two')).body as { id: string };
      await expect(inspector.get(activeKey(22))).resolves.toMatch(FENCE);
      await expect(inspector.get(listKey(22))).resolves.toMatch(FENCE);
      await expect(active(22)).resolves.toMatchObject({ body: two.id });
      const listed = await list(22);
      expect(
        listed.body.map((s: { title: string; active: boolean }) => [
          s.title,
          s.active,
        ]),
      ).toEqual([
        ['one', false],
        ['two', true],
      ]);

      await activate(22, 'one').expect(200);
      await expect(active(22)).resolves.toMatchObject({ body: one.id });
      await request(t.server)
        .post(`${API}/sessions/deactivate`)
        .set(bearer(22))
        .expect(200);
      await expect(active(22)).resolves.toHaveProperty('status', 404);
    });

    describe('when the node holding a user’s key is killed', () => {
      const user = 23;
      let killed: Awaited<ReturnType<OwnRedisCluster['nodeFor']>>;

      it('keeps answering correctly from PostgreSQL, without a 5xx', async () => {
        await create(user, 'before').expect(201);
        await create(user + 1, 'neighbour').expect(201);
        await active(user).expect(200);
        await waitFor(
          async () => (await inspector.get(activeKey(user))) !== null,
          5_000,
          'the cache key to be written',
          { intervalMs: 100, retryOnError: true },
        );

        killed = await cluster.nodeFor(prefix + activeKey(user));
        await killed.stop();

        const statuses: number[] = [];
        const slowest: number[] = [];
        const timed = async (call: () => request.Test) => {
          const started = Date.now();
          const response = await call();
          slowest.push(Date.now() - started);
          statuses.push(response.status);
          return response;
        };
        const deadline = Date.now() + 4_000;
        for (let round = 0; Date.now() < deadline || round < 3; round += 1) {
          for (const userId of [user, user + 1]) {
            const created = await timed(() =>
              create(userId, `during ${round}`),
            );
            expect(created.status).toBe(201);
            const afterCreate = await timed(() => active(userId));
            expect(afterCreate.body).toBe(created.body.id);
            await timed(() =>
              activate(userId, userId === user ? 'before' : 'neighbour'),
            );
            const afterActivate = await timed(() => active(userId));
            expect(afterActivate.body).toBe(await truth(userId));
            const listed = await timed(() => list(userId));
            expect(listed.body).toHaveLength(round + 2);
          }
        }
        expect(statuses.filter((status) => status >= 500)).toEqual([]);
        expect(Math.max(...slowest)).toBeLessThan(1_500);
      });

      it('uses the cluster again once the node is back, never answering stale', async () => {
        await killed.boot();
        await cluster.waitUntilOk();
        const expected = await truth(user);
        const answers: Array<{ status: number; body: unknown }> = [];
        await waitFor(
          async () => {
            const response = await active(user);
            answers.push({ status: response.status, body: response.body });
            return (await inspector.get(activeKey(user))) === expected;
          },
          10_000,
          'the cluster to hold the active session again',
          { intervalMs: 100, retryOnError: true },
        );
        expect(answers.length).toBeGreaterThan(0);
        expect(answers).toEqual(
          answers.map(() => ({ status: 200, body: expected })),
        );
        await expect(active(user)).resolves.toMatchObject({ body: expected });
      });
    });
  },
);
