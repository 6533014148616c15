import { Client } from 'pg';
import request from 'supertest';
import {
  SESSION_STATEMENTS,
  USER_SESSIONS_LOCK_SPACE,
} from '../src/sessions/sessions.statements';
import { createTestApp, TestApp } from './helpers/test-app';
import { queryDatabase } from './helpers/test-database';
import { bearer } from './helpers/tokens';

import { API } from './helpers/constants';
const KEY = 'Idempotency-Key';
const REPLAYED = 'idempotent-replayed';

describe('Idempotency-Key on writes', () => {
  let t: TestApp;
  let other: TestApp;

  const rows = (userId: number) =>
    queryDatabase<{ title: string; active: boolean }>(
      t.database.url,
      'SELECT "title", "active" FROM "sessions" WHERE "user_id" = $1 ORDER BY "created_at"',
      [userId],
    );
  const create = (
    app: TestApp,
    userId: number,
    title: string,
    key?: string,
  ) => {
    const call = request(app.server)
      .post(`${API}/sessions`)
      .set(bearer(userId))
      .send({ title });
    return key === undefined ? call : call.set(KEY, key);
  };

  beforeAll(async () => {
    t = await createTestApp();
    other = await createTestApp({ databaseUrl: () => t.database.url });
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });
  beforeEach(async () => {
    await t.reset();
    await queryDatabase(t.database.url, 'DELETE FROM "idempotency_keys"');
  });

  it('replays the first answer of a create, changing nothing, with Idempotent-Replayed', async () => {
    const first = await create(t, 1, 'Report', 'k-1');
    const again = await create(t, 1, 'Report', 'k-1');
    expect(first.status).toBe(201);
    expect(first.headers[REPLAYED]).toBeUndefined();
    expect(again.status).toBe(201);
    expect(again.headers[REPLAYED]).toBe('true');
    expect(again.headers['content-type']).toMatch(/^application\/json/);
    expect(again.body).toEqual(first.body);
    await expect(rows(1)).resolves.toEqual([{ title: 'Report', active: true }]);
  });

  it('replays on another instance of the service', async () => {
    const first = await create(t, 1, 'Report', 'k-2');
    const elsewhere = await create(other, 1, 'Report', 'k-2');
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.headers[REPLAYED]).toBe('true');
    expect(elsewhere.body).toEqual(first.body);
    await expect(rows(1)).resolves.toHaveLength(1);
  });

  it('runs exactly one mutation for 20 concurrent requests with one key', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 ? create(t, 1, 'Once', 'k-3') : create(other, 1, 'Once', 'k-3'),
      ),
    );
    const created = answers.filter((answer) => answer.status === 201);
    const inFlight = answers.filter((answer) => answer.status === 409);
    expect(created.length + inFlight.length).toBe(20);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((answer) => answer.body.id)).size).toBe(1);
    expect(
      created.filter((answer) => answer.headers[REPLAYED] === undefined),
    ).toHaveLength(1);
    for (const answer of inFlight) {
      expect(answer.body.type).toMatch(/:idempotency-key-in-flight$/);
      expect(answer.headers['retry-after']).toBe('1');
    }
    await expect(rows(1)).resolves.toEqual([{ title: 'Once', active: true }]);
  });

  it('refuses the same key for a different request with 422, changing nothing', async () => {
    await create(t, 1, 'Report', 'k-4');
    const reused = await create(t, 1, 'Another', 'k-4');
    expect(reused.status).toBe(422);
    expect(reused.headers['content-type']).toMatch(
      /^application\/problem\+json/,
    );
    expect(reused.body.type).toMatch(/:idempotency-key-reuse$/);
    const elsewhere = await request(t.server)
      .post(`${API}/sessions/deactivate`)
      .set(bearer(1))
      .set(KEY, 'k-4');
    expect(elsewhere.status).toBe(422);
    await expect(rows(1)).resolves.toEqual([{ title: 'Report', active: true }]);
  });

  it('scopes keys to the user: two users may send the same key', async () => {
    const alice = await create(t, 1, 'Mine', 'shared');
    const bob = await create(t, 2, 'Mine', 'shared');
    expect([alice.status, bob.status]).toEqual([201, 201]);
    expect(bob.headers[REPLAYED]).toBeUndefined();
    expect(bob.body.user_id).toBe(2);
    expect(bob.body.id).not.toBe(alice.body.id);
  });

  it('stores an error answer too: a 409 replays as 409 although the title became free', async () => {
    await create(t, 1, 'Taken');
    await create(t, 1, 'Other');
    const refused = await create(t, 1, 'Taken', 'k-5');
    expect(refused.status).toBe(409);
    await request(t.server)
      .delete(`${API}/sessions/Taken`)
      .set(bearer(1))
      .expect(200);
    const again = await create(t, 1, 'Taken', 'k-5');
    expect(again.status).toBe(409);
    expect(again.headers[REPLAYED]).toBe('true');
    expect(again.body).toMatchObject({
      type: refused.body.type,
      status: 409,
      detail: refused.body.detail,
    });
    await expect(rows(1)).resolves.toEqual([{ title: 'Other', active: true }]);
  });

  it('replays each write route: activate, deactivate, rename and delete', async () => {
    await create(t, 1, 'A');
    await create(t, 1, 'B');
    const calls = [
      () => request(t.server).post(`${API}/sessions/active/A`),
      () => request(t.server).post(`${API}/sessions/deactivate`),
      () => request(t.server).patch(`${API}/sessions/B`).send({ title: 'C' }),
      () => request(t.server).delete(`${API}/sessions/C`),
    ];
    for (const [index, call] of calls.entries()) {
      const key = `route-${index}`;
      const first = await call().set(bearer(1)).set(KEY, key);
      const again = await call().set(bearer(1)).set(KEY, key);
      expect(first.status).toBe(200);
      expect(again.status).toBe(200);
      expect(again.headers[REPLAYED]).toBe('true');
      expect(again.body).toEqual(first.body);
    }
    await expect(rows(1)).resolves.toEqual([{ title: 'A', active: false }]);
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['a tab', 'a\tb'],
  ])(
    'answers 400 for a key that is %s, changing nothing',
    async (_name, key) => {
      const answer = await create(t, 1, 'Report', key);
      expect(answer.status).toBe(400);
      expect(answer.body.type).toMatch(/:invalid-idempotency-key$/);
      await expect(rows(1)).resolves.toEqual([]);
    },
  );

  it('forgets a key after IDEMPOTENCY_TTL_SECONDS and removes it', async () => {
    const short = await createTestApp({
      databaseUrl: () => t.database.url,
      env: { IDEMPOTENCY_TTL_SECONDS: '1' },
    });
    try {
      await create(short, 1, 'Report', 'k-6').expect(201);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const after = await create(short, 1, 'Report', 'k-6');
      expect(after.status).toBe(409);
      expect(after.headers[REPLAYED]).toBeUndefined();
      await create(short, 1, 'Other', 'k-7').expect(201);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await create(short, 1, 'Third', 'k-8').expect(201);
      const keys = await queryDatabase<{ key: string }>(
        t.database.url,
        'SELECT "key" FROM "idempotency_keys" ORDER BY "key"',
      );
      expect(keys.map((row) => row.key)).toEqual(['k-8']);
    } finally {
      await short.close();
    }
  });

  it('answers 409 in-flight with Retry-After when the first request holds the user past the bound', async () => {
    const holder = new Client({ connectionString: t.database.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(SESSION_STATEMENTS.lockUser, [
        USER_SESSIONS_LOCK_SPACE,
        1,
      ]);
      const started = Date.now();
      const waited = await create(t, 1, 'Report', 'k-9');
      expect(waited.status).toBe(409);
      expect(waited.body.type).toMatch(/:idempotency-key-in-flight$/);
      expect(waited.headers['retry-after']).toBe('1');
      expect(Date.now() - started).toBeLessThan(8_000);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    const retried = await create(t, 1, 'Report', 'k-9');
    expect(retried.status).toBe(201);
    expect(retried.headers[REPLAYED]).toBeUndefined();
    await expect(rows(1)).resolves.toEqual([{ title: 'Report', active: true }]);
  });
});
