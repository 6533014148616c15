import { apiClient, ApiClient } from './helpers/api-client';
import { waitFor } from './helpers/free-port';
import { expectInvariants } from './helpers/invariants';
import { TcpProxy } from './helpers/tcp-proxy';
import { useTestApp } from './helpers/test-app';
import { queryDatabase, TEST_POSTGRES_URL } from './helpers/test-database';

jest.setTimeout(60_000);

interface Row {
  title: string;
  active: boolean;
}

describe('PostgreSQL faults through a TCP proxy', () => {
  let proxy: TcpProxy;
  let api: ApiClient;
  let baseUrl: string;

  const rows = (user: number) =>
    queryDatabase<Row>(
      t.database.url,
      'SELECT title, active FROM sessions WHERE user_id = $1 ORDER BY title',
      [user],
    );

  beforeAll(async () => {
    const server = new URL(TEST_POSTGRES_URL);
    proxy = await TcpProxy.start(server.hostname, Number(server.port || 5432));
  });
  const t = useTestApp({ databaseUrl: (url) => proxy.urlFor(url) });
  beforeAll(async () => {
    await t.app.listen(0, '127.0.0.1');
    baseUrl = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    api = apiClient(baseUrl);
  });
  afterAll(async () => {
    await proxy?.close();
  });
  afterEach(async () => {
    proxy.latencyMs = 0;
    proxy.restore();
    await waitFor(
      async () => (await api.list(999)).status === 200,
      10_000,
      'PostgreSQL to be reachable again',
    );
  });

  it('added latency: slower answers, no 5xx', async () => {
    const before = await api.create(1, 'fast');
    expect(before.status).toBe(201);
    proxy.latencyMs = 150;
    const slow = await Promise.all([
      api.create(1, 'slow 1'),
      api.create(1, 'slow 2'),
      api.activate(1, 'fast'),
      api.list(2),
      api.active(3),
    ]);
    expect(slow.map((r) => r.status)).toEqual([201, 201, 200, 200, 404]);
    for (const result of slow) {
      expect(result.ms).toBeGreaterThan(150);
    }
    await expectInvariants(t.database.url, [api], [1]);
  });

  it('connection cut: 503 problem within 2 s and not ready; restored: recovers without a restart', async () => {
    await api.create(4, 'before');
    proxy.cut();
    const during = await Promise.all([
      api.create(4, 'during'),
      api.activate(4, 'before'),
      api.list(5),
      api.active(6),
      api.remove(4, 'before'),
      api.deactivate(4),
    ]);
    for (const result of during) {
      expect(result.status).toBe(503);
      expect(result.ms).toBeLessThan(2_000);
      expect(result.body).toMatchObject({
        status: 503,
        title: expect.any(String),
      });
      expect(JSON.stringify(result.body)).not.toMatch(
        /terminated|ECONN|pg|sql/i,
      );
    }
    const ready = await fetch(`${baseUrl}/health/ready`);
    if (ready.status !== 404) {
      expect(ready.status).toBe(503);
    }

    proxy.restore();
    const recoveredInMs = await waitFor(
      async () => (await api.create(4, 'after')).status === 201,
      10_000,
      'writes to succeed again',
    );
    console.log(
      `[figures] PostgreSQL restored: writes succeed again after ${recoveredInMs} ms`,
    );
    await expect(rows(4)).resolves.toEqual([
      { title: 'after', active: true },
      { title: 'before', active: false },
    ]);
    await expectInvariants(t.database.url, [api], [4, 5, 6]);
  });

  it('a cut before the INSERT of a create reaches PostgreSQL: nothing of the write remains', async () => {
    await api.create(7, 'old');
    const cut = proxy.cutWhenClientSends('INSERT INTO', false);
    const created = await api.create(7, 'new');
    await cut;
    expect(created.status).toBe(503);
    proxy.restore();
    await expect(rows(7)).resolves.toEqual([{ title: 'old', active: true }]);
    await expectInvariants(t.database.url, [api], [7]);
  });

  it('a cut that drops the COMMIT of an activation: the deactivation it made is rolled back', async () => {
    await api.create(8, 'one');
    await api.create(8, 'two');
    const cut = proxy.cutWhenClientSends('COMMIT', false);
    const activated = await api.activate(8, 'one');
    await cut;
    expect(activated.status).toBe(503);
    proxy.restore();
    await expect(rows(8)).resolves.toEqual([
      { title: 'one', active: false },
      { title: 'two', active: true },
    ]);
    await expectInvariants(t.database.url, [api], [8]);
  });

  it('a cut right after the COMMIT is sent: the outcome is unknown to the client, but all or nothing', async () => {
    await api.create(9, 'old');
    const cut = proxy.cutWhenClientSends('COMMIT', true);
    const created = await api.create(9, 'new');
    await cut;
    expect([201, 503]).toContain(created.status);
    proxy.restore();
    const after = await rows(9);
    const committed = [
      { title: 'new', active: true },
      { title: 'old', active: false },
    ];
    const rolledBack = [{ title: 'old', active: true }];
    expect([committed, rolledBack]).toContainEqual(after);
    if (created.status === 201) {
      expect(after).toEqual(committed);
    }
    await expectInvariants(t.database.url, [api], [9]);
  });
});
