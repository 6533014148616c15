import request from 'supertest';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { describeWith } from './helpers/requirements';
import { useTestApp } from './helpers/test-app';
import { bearer } from './helpers/tokens';
import { API } from './helpers/constants';

describeWith(['redis'], 'GET /sessions/active through the Redis cache', () => {
  const t = useTestApp(
    { redis: true, env: { CACHE_TTL_SECONDS: '120' } },
    { resetEachTest: true },
  );
  const user = bearer(41);

  const countQueries = async (
    work: () => Promise<unknown>,
  ): Promise<number> => {
    const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query');
    try {
      await work();
      return spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
  };

  const getActive = () =>
    request(t.server).get(`${API}/sessions/active`).set(user);
  /** Fills happen after the response is sent; give them a moment to land. */
  const waitForValue = async (key: string, expected: string) => {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if ((await t.redis!.get(key)) === expected) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('answers the second call from Redis: the key holds the id with a TTL and no SQL runs', async () => {
    const { body: session } = await request(t.server)
      .post(`${API}/sessions`)
      .set(user)
      .send({ title: 'cached' });

    const firstQueries = await countQueries(async () => {
      expect((await getActive()).body).toBe(session.id);
    });
    expect(firstQueries).toBeGreaterThan(0);

    await waitForValue('session:active:user:41', session.id);
    await expect(t.redis!.get('session:active:user:41')).resolves.toBe(
      session.id,
    );
    const ttl = await t.redis!.ttl('session:active:user:41');
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);

    const secondQueries = await countQueries(async () => {
      const response = await getActive();
      expect(response.status).toBe(200);
      expect(response.body).toBe(session.id);
    });
    expect(secondQueries).toBe(0);
  });

  it('falls back to PostgreSQL when the key is gone, and fills it again', async () => {
    const { body: session } = await request(t.server)
      .post(`${API}/sessions`)
      .set(user)
      .send({ title: 'fallback' });
    await getActive();
    await waitForValue('session:active:user:41', session.id);
    await t.redis!.client.del(t.redis!.key('session:active:user:41'));

    const queries = await countQueries(async () => {
      expect((await getActive()).body).toBe(session.id);
    });
    expect(queries).toBeGreaterThan(0);
    await waitForValue('session:active:user:41', session.id);
    await expect(t.redis!.get('session:active:user:41')).resolves.toBe(
      session.id,
    );
  });

  it('a mutation fences the key, so the next read goes to PostgreSQL and sees it', async () => {
    await request(t.server)
      .post(`${API}/sessions`)
      .set(user)
      .send({ title: 'first' });
    await getActive();
    const { body: second } = await request(t.server)
      .post(`${API}/sessions`)
      .set(user)
      .send({ title: 'second' });
    expect(await t.redis!.get('session:active:user:41')).not.toBe(second.id);
    expect((await getActive()).body).toBe(second.id);
  });
});
