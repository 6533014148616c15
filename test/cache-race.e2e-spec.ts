import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { CacheRead } from '../src/redis/cache-store';
import { SessionCache } from '../src/sessions/session-cache.service';
import { sessionCacheKeys } from '../src/sessions/session-cache.keys';
import { describeWith } from './helpers/requirements';
import { createTestApp, TestApp } from './helpers/test-app';
import { queryDatabase } from './helpers/test-database';
import { bearer } from './helpers/tokens';
import { API } from './helpers/constants';

const USER = 7;

/** Holds a fill between its database read and its cache write until released. */
class FillGate {
  private armed?: { entered: () => void; release: Promise<void> };
  private releaseFill = () => {};

  readonly pass = async (key: string): Promise<void> => {
    const armed = this.armed;
    if (!armed || !key.startsWith('session:active:')) {
      return;
    }
    this.armed = undefined;
    armed.entered();
    await armed.release;
  };

  /** Resolves once a fill of the active key is waiting at the gate. */
  arm(): Promise<void> {
    return new Promise((entered) => {
      this.armed = {
        entered,
        release: new Promise((release) => (this.releaseFill = release)),
      };
    });
  }

  release(): void {
    this.releaseFill();
  }
}

/** Lets a test wait for the fills the interceptor starts in the background. */
function trackFills(t: TestApp): () => Promise<void> {
  const cache = t.app.get(SessionCache);
  const fills: Promise<void>[] = [];
  const fill = cache.fill.bind(cache);
  cache.fill = (...args: Parameters<SessionCache['fill']>) => {
    const pending = fill(...args);
    fills.push(pending);
    return pending;
  };
  return async () => {
    await Promise.all(fills.splice(0));
  };
}

const gate = new FillGate();

/** The service's fenced cache, with each fill held at the gate first. */
class GatedSessionCache extends SessionCache {
  override async fill(key: string, seen: CacheRead, value: string) {
    await gate.pass(key);
    return super.fill(key, await this.comparedWith(key, seen), value);
  }

  /** The fence check: the fill lands only if the key holds what the reader saw. */
  protected comparedWith(_key: string, seen: CacheRead): Promise<CacheRead> {
    return Promise.resolve(seen);
  }
}

/** Textbook cache-aside: the fill ignores what the reader saw, so it overwrites. */
class NaiveSessionCache extends GatedSessionCache {
  protected override async comparedWith(key: string, seen: CacheRead) {
    return (await this.read(key)) ?? seen;
  }
}

function startApp(cache: typeof GatedSessionCache) {
  return createTestApp({
    overrides: [{ provide: SessionCache, useClass: cache }],
  });
}

/**
 * The stale-set race, made deterministic: a reader misses, loads A from PostgreSQL and
 * is held before its cache fill; meanwhile a writer activates B, commits and
 * invalidates; then the reader's fill goes ahead. Returns what a later read answers.
 */
async function runStaleSetRace(t: TestApp) {
  const fillsDone = trackFills(t);
  const auth = bearer(USER);
  const a = await request(t.server)
    .post(`${API}/sessions`)
    .set(auth)
    .send({ title: 'A' });
  const b = await request(t.server)
    .post(`${API}/sessions`)
    .set(auth)
    .send({ title: 'B' });
  expect([a.status, b.status]).toEqual([201, 201]);
  await expect(
    request(t.server).post(`${API}/sessions/active/A`).set(auth),
  ).resolves.toMatchObject({ status: 200 });

  const atGate = gate.arm();
  const slowRead = await request(t.server)
    .get(`${API}/sessions/active`)
    .set(auth);
  expect(slowRead.body).toBe(a.body.id);
  await atGate;

  await expect(
    request(t.server).post(`${API}/sessions/active/B`).set(auth),
  ).resolves.toMatchObject({ status: 200 });
  gate.release();
  await fillsDone();

  const after = await request(t.server).get(`${API}/sessions/active`).set(auth);
  expect(after.status).toBe(200);
  return {
    a: a.body.id as string,
    b: b.body.id as string,
    answered: after.body as string,
    cached: await t.redis!.get(sessionCacheKeys.active(USER)),
  };
}

describeWith(['redis'], 'Cache: the stale-set race', () => {
  it('fenced (the service): a read after a write that raced a slow fill sees the write', async () => {
    const t = await startApp(GatedSessionCache);
    try {
      const race = await runStaleSetRace(t);
      expect(race.answered).toBe(race.b);
      expect(race.cached).not.toBe(race.a);
    } finally {
      await t.close();
    }
  });

  it('naive cache-aside (the fill ignores what was read): the same interleaving leaves the old id cached (the test detects the race)', async () => {
    const t = await startApp(NaiveSessionCache);
    try {
      const race = await runStaleSetRace(t);
      expect(race.cached).toBe(race.a);
      expect(race.answered).toBe(race.a);
      expect(race.answered).not.toBe(race.b);
    } finally {
      await t.close();
    }
  });
});

describeWith(
  ['redis'],
  'Cache: what sits at a key is trusted only if it is well formed',
  () => {
    let t: TestApp;
    let fillsDone: () => Promise<void>;
    const auth = bearer(USER);
    const activeKey = sessionCacheKeys.active(USER);
    const listKey = sessionCacheKeys.list(USER);
    let truth: { id: string; title: string };

    beforeAll(async () => {
      t = await createTestApp({ redis: true });
      fillsDone = trackFills(t);
    });
    afterAll(async () => {
      await t?.close();
    });
    beforeEach(async () => {
      await t.reset();
      const created = await request(t.server)
        .post(`${API}/sessions`)
        .set(auth)
        .send({ title: 'truth' });
      expect(created.status).toBe(201);
      truth = created.body;
    });

    const plant = async (
      key: string,
      value: string | { hash: string } | { list: string },
    ) => {
      const redisKey = t.redis!.key(key);
      await t.redis!.client.del(redisKey);
      if (typeof value === 'string') {
        await t.redis!.client.set(redisKey, value);
      } else if ('hash' in value) {
        await t.redis!.client.hset(redisKey, 'id', value.hash);
      } else {
        await t.redis!.client.rpush(redisKey, value.list);
      }
    };

    const activeValues: Array<
      [string, () => string | { hash: string } | { list: string }]
    > = [
      ['garbage', () => 'garbage'],
      ['an empty string', () => ''],
      ['a JSON-quoted id', () => JSON.stringify(randomUUID())],
      ['a hash', () => ({ hash: randomUUID() })],
      ['a list', () => ({ list: randomUUID() })],
      ['a fence left by a writer', () => '~fence:abc:1'],
    ];

    it.each(activeValues)(
      'GET /sessions/active treats %s at the key as a miss and answers from PostgreSQL',
      async (_name, value) => {
        await plant(activeKey, value());
        const response = await request(t.server)
          .get(`${API}/sessions/active`)
          .set(auth);
        expect(response.status).toBe(200);
        expect(response.body).toBe(truth.id);
        await fillsDone();
        await expect(t.redis!.get(activeKey)).resolves.toBe(truth.id);
        const again = await request(t.server)
          .get(`${API}/sessions/active`)
          .set(auth);
        expect(again.body).toBe(truth.id);
      },
    );

    const foreignSession = () => ({
      id: randomUUID(),
      user_id: USER + 1,
      title: 'not yours',
      active: true,
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
    });

    const listValues: Array<[string, () => string | { hash: string }]> = [
      ['garbage', () => 'garbage'],
      ['an empty string', () => ''],
      ['truncated JSON', () => '[{"id":'],
      ['an array of numbers', () => '[1,2,3]'],
      ['another user’s sessions', () => JSON.stringify([foreignSession()])],
      ['a hash', () => ({ hash: 'x' })],
    ];

    it.each(listValues)(
      'GET /sessions treats %s at the key as a miss and answers from PostgreSQL',
      async (_name, value) => {
        await plant(listKey, value());
        const response = await request(t.server)
          .get(`${API}/sessions`)
          .set(auth);
        expect(response.status).toBe(200);
        expect(response.body).toEqual([
          expect.objectContaining({
            id: truth.id,
            user_id: USER,
            active: true,
          }),
        ]);
        await fillsDone();
        const cached = JSON.parse((await t.redis!.get(listKey)) ?? 'null');
        expect(cached).toEqual(response.body);
      },
    );

    it('serves a hit from Redis without asking PostgreSQL (one GET per hit)', async () => {
      await request(t.server).get(`${API}/sessions/active`).set(auth);
      await fillsDone();
      await expect(t.redis!.get(activeKey)).resolves.toBe(truth.id);
      // Changed behind the service's back: only a read that skips PostgreSQL still says truth.
      await queryDatabase(t.database.url, 'UPDATE sessions SET active = false');
      const hit = await request(t.server)
        .get(`${API}/sessions/active`)
        .set(auth);
      expect(hit.body).toBe(truth.id);
    });

    it('every mutation leaves a fence at both keys, so the next read goes to PostgreSQL', async () => {
      await request(t.server).get(`${API}/sessions/active`).set(auth);
      await request(t.server).get(`${API}/sessions`).set(auth);
      await fillsDone();
      await expect(
        request(t.server)
          .post(`${API}/sessions`)
          .set(auth)
          .send({ title: 'next' }),
      ).resolves.toMatchObject({ status: 201 });
      await expect(t.redis!.get(activeKey)).resolves.toMatch(/^~fence:/);
      await expect(t.redis!.get(listKey)).resolves.toMatch(/^~fence:/);
      await expect(t.redis!.ttl(activeKey)).resolves.toBeGreaterThan(0);
    });
  },
);
