import { sleep } from './helpers/free-port';
import { expectInvariants } from './helpers/invariants';
import { useServiceInstances } from './helpers/service-process';
import { createTestDatabase, TestDatabase } from './helpers/test-database';
import { describeWith } from './helpers/requirements';
import { TestRedis, TEST_REDIS_URL } from './helpers/test-redis';
import { runOperation, seededRandom } from './helpers/random-workload';

jest.setTimeout(120_000);

describeWith(['redis'], 'Two instances on one PostgreSQL and one Redis', () => {
  let database: TestDatabase;
  let redis: TestRedis;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = new TestRedis();
  });
  const { clients } = useServiceInstances(2, () => ({
    databaseUrl: database.url,
    redisUrl: TEST_REDIS_URL,
    redisKeyPrefix: redis.prefix,
  }));
  afterAll(async () => {
    await redis?.close();
    await database?.drop();
  });

  it('a write on one instance is read on the other, 200 times in a row', async () => {
    const user = 1;
    const ids = new Map<string, string>();
    for (const title of ['A', 'B', 'C']) {
      const created = await clients[0].create(user, title);
      ids.set(title, (created.body as { id: string }).id);
    }
    for (let i = 0; i < 200; i += 1) {
      const writer = clients[i % 2];
      const reader = clients[(i + 1) % 2];
      // Both read first, so each has the old value cached before the write.
      await Promise.all([
        reader.active(user),
        writer.active(user),
        reader.list(user),
      ]);
      const title = ['A', 'B', 'C'][i % 3];
      if (i % 10 === 9) {
        const renamed = await writer.rename(user, title, `${title}-${i}`);
        expect(renamed.status).toBe(200);
        const list = await reader.list(user);
        expect(
          (list.body as Array<{ title: string }>).map((s) => s.title),
        ).toContain(`${title}-${i}`);
        await expect(
          writer.rename(user, `${title}-${i}`, title),
        ).resolves.toMatchObject({
          status: 200,
        });
        continue;
      }
      await expect(writer.activate(user, title)).resolves.toMatchObject({
        status: 200,
      });
      await expect(reader.active(user)).resolves.toMatchObject({
        status: 200,
        body: ids.get(title),
      });
      const list = await reader.list(user);
      expect(
        (list.body as Array<{ id: string; active: boolean }>).filter(
          (s) => s.active,
        ),
      ).toEqual([expect.objectContaining({ id: ids.get(title) })]);
    }
    await expectInvariants(database.url, clients, [user]);
  });

  it('concurrent writers on both instances, then quiescence: every user’s active id agrees everywhere', async () => {
    const users = [21, 22, 23, 24];
    const titles = ['w', 'x', 'y', 'z'];
    const { pick } = seededRandom(7);
    const statuses: number[] = [];
    const worker = async () => {
      for (let i = 0; i < 40; i += 1) {
        const client = pick(clients);
        const user = pick(users);
        const title = pick(titles);
        const op = pick([
          'create',
          'activate',
          'remove',
          'deactivate',
          'active',
          'list',
        ] as const);
        const result = await runOperation(client, op, user, title, title);
        statuses.push(result.status);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(statuses.filter((status) => status >= 500 || status === 0)).toEqual(
      [],
    );
    await sleep(100);
    await expectInvariants(database.url, clients, users);
    await expect(redis.client.keys(`${redis.prefix}*`)).resolves.not.toEqual(
      [],
    );
  });
});
