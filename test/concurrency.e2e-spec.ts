import { request as httpRequest } from 'node:http';
import { apiClient, ApiClient, ApiResult } from './helpers/api-client';
import { expectInvariants } from './helpers/invariants';
import { testBackendName, useTestApp } from './helpers/test-app';
import { queryDatabase } from './helpers/test-database';
import { bearer } from './helpers/tokens';
import { runOperation, seededRandom } from './helpers/random-workload';
import { SESSIONS } from './helpers/constants';

const OPERATIONS = [
  'create',
  'activate',
  'remove',
  'deactivate',
  'rename',
  'active',
  'list',
] as const;

// Generous: the machine running CI is shared, and this suite is about outcomes, not speed.
jest.setTimeout(120_000);

const statuses = (results: ApiResult[]) => {
  const counts: Record<number, number> = {};
  for (const { status } of results) {
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
};

describe(`Concurrency on ${testBackendName()}`, () => {
  const t = useTestApp({}, { resetEachTest: true });
  let api: ApiClient;
  let baseUrl: string;

  beforeAll(async () => {
    await t.app.listen(0, '127.0.0.1');
    baseUrl = await t.app.getUrl();
    baseUrl = baseUrl.replace('[::1]', '127.0.0.1');
    api = apiClient(baseUrl);
  });

  it('50 parallel creates of one title: exactly one 201 and 49 × 409', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => api.create(1, 'same title')),
    );
    expect(statuses(results)).toEqual({ 201: 1, 409: 49 });
    await expectInvariants(t.database.url, [api], [1]);
  });

  it('20 parallel creates with distinct titles for a new user: 20 × 201, exactly one active', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api.create(2, `title ${i}`)),
    );
    expect(statuses(results)).toEqual({ 201: 20 });
    const rows = await queryDatabase<{ active: boolean }>(
      t.database.url,
      'SELECT active FROM sessions WHERE user_id = 2',
    );
    expect(rows).toHaveLength(20);
    expect(rows.filter((row) => row.active)).toHaveLength(1);
    await expectInvariants(t.database.url, [api], [2]);
  });

  it('100 rounds of activate A in parallel with activate B: all 200', async () => {
    await api.create(3, 'A');
    await api.create(3, 'B');
    const ids = new Map(
      ((await api.list(3)).body as Array<{ id: string; title: string }>).map(
        (row) => [row.title, row.id],
      ),
    );
    for (let round = 0; round < 100; round += 1) {
      const [a, b, active] = await Promise.all([
        api.activate(3, 'A'),
        api.activate(3, 'B'),
        api.active(3),
      ]);
      expect([a.status, b.status, active.status]).toEqual([200, 200, 200]);
      expect([ids.get('A'), ids.get('B')]).toContain(active.body);
    }
    await expectInvariants(t.database.url, [api], [3]);
  });

  it('delete A in parallel with activate A: never both 2xx, an active session is never deleted', async () => {
    const ok = (result: ApiResult) =>
      result.status >= 200 && result.status < 300;
    const users = Array.from({ length: 30 }, (_, round) => 1000 + round);
    const outcomes = { deleted: 0, activated: 0 };
    for (const user of users) {
      await api.create(user, 'A');
      await api.create(user, 'B');
      const [removed, activated] = await Promise.all([
        api.remove(user, 'A'),
        api.activate(user, 'A'),
      ]);
      expect(ok(removed) && ok(activated)).toBe(false);
      const rows = await queryDatabase<{ title: string; active: boolean }>(
        t.database.url,
        'SELECT title, active FROM sessions WHERE user_id = $1 ORDER BY title',
        [user],
      );
      if (ok(removed)) {
        outcomes.deleted += 1;
        expect(activated.status).toBe(404);
        expect(rows).toEqual([{ title: 'B', active: true }]);
      } else {
        outcomes.activated += 1;
        expect([removed.status, activated.status]).toEqual([400, 200]);
        expect(rows).toEqual([
          { title: 'A', active: true },
          { title: 'B', active: false },
        ]);
      }
    }
    expect(outcomes.deleted + outcomes.activated).toBe(30);
    await expectInvariants(t.database.url, [api], users);
  });

  it('1,000 random operations from 32 concurrent clients over a few users: no 5xx', async () => {
    const users = [11, 12, 13];
    const titles = ['a', 'b', 'c', 'd', 'e', 'active'];
    const { pick } = seededRandom(20261128);
    let remaining = 1000;
    const results: Array<{ op: string; status: number }> = [];
    const client = async () => {
      while (remaining > 0) {
        remaining -= 1;
        const user = pick(users);
        const title = pick(titles);
        const op = pick(OPERATIONS);
        const result = await runOperation(api, op, user, title, pick(titles));
        results.push({ op, status: result.status });
      }
    };
    await Promise.all(Array.from({ length: 32 }, client));
    expect(results).toHaveLength(1000);
    expect(
      results.filter(({ status }) => status >= 500 || status === 0),
    ).toEqual([]);
    expect(results.some(({ status }) => status === 201)).toBe(true);
    await expectInvariants(t.database.url, [api], users);
  });

  it('a client that disconnects in the middle of a write leaves no lock behind', async () => {
    await api.create(5, 'A');
    const { port } = new URL(baseUrl);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      await new Promise<void>((resolve) => {
        const body = JSON.stringify({ title: `dropped ${attempt}` });
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: SESSIONS,
          headers: {
            ...bearer(5),
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        });
        req.on('error', () => resolve());
        req.write(body, () => {
          setTimeout(() => {
            req.destroy();
            resolve();
          }, attempt);
        });
      });
      const next = await api.activate(5, 'A');
      expect(next.status).toBe(200);
      expect(next.ms).toBeLessThan(1_000);
    }
    await expectInvariants(t.database.url, [api], [5]);
  });
});
