import { Logger } from '@nestjs/common';
import request from 'supertest';
import { CacheStore } from '../src/redis/cache-store';
import { describeWith } from './helpers/requirements';
import { freePort } from './helpers/free-port';
import { TestApp, useTestApp, withTestApp } from './helpers/test-app';
import { bearer } from './helpers/tokens';
import { API, SESSIONS } from './helpers/constants';
import { expectProblem } from './helpers/problem';

const RATE_LIMITED = 'urn:session-service:problem:rate-limited';

const list = (app: TestApp, user = 1) =>
  request(app.server).get(SESSIONS).set(bearer(user));

/** `times` calls of GET /sessions as `user`, each answered 200. */
async function expectListed(app: TestApp, times: number, user = 1) {
  for (let i = 0; i < times; i += 1) {
    expect((await list(app, user)).status).toBe(200);
  }
}

function expectRateLimited(response: request.Response) {
  expectProblem(response, 429, { type: RATE_LIMITED });
  const retryAfter = Number(response.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe('MAX_SESSIONS_PER_USER', () => {
  const t = useTestApp({ env: { MAX_SESSIONS_PER_USER: '3' } });

  it('answers 409 with its own problem type beyond the limit, per user', async () => {
    const create = (title: string, user = 1) =>
      request(t.server)
        .post(`${API}/sessions`)
        .set(bearer(user))
        .send({ title });
    for (const title of ['a', 'b', 'c']) {
      expect((await create(title)).status).toBe(201);
    }
    const refused = await create('d');
    expectProblem(refused, 409, {
      type: 'urn:session-service:problem:session-limit-reached',
    });
    const duplicate = await create('a');
    expect(duplicate.body.type).not.toBe(refused.body.type);
    expect((await create('d', 2)).status).toBe(201);
    const listed = await request(t.server)
      .get(`${API}/sessions`)
      .set(bearer(1));
    expect(listed.body).toHaveLength(3);

    expect(
      (await request(t.server).delete(`${API}/sessions/a`).set(bearer(1)))
        .status,
    ).toBe(200);
    expect((await create('d')).status).toBe(201);
  });
});

describeWith(
  ['redis'],
  'Per-user rate limit shared through Redis by every instance',
  () => {
    const LIMIT = 5;
    const a = useTestApp({
      redis: true,
      env: { RATE_LIMIT_PER_MINUTE: String(LIMIT) },
    });
    const b = useTestApp(() => ({
      redis: true,
      env: {
        RATE_LIMIT_PER_MINUTE: String(LIMIT),
        REDIS_KEY_PREFIX: a.redis!.prefix,
      },
    }));

    it('counts one budget per user across instances and answers 429 with Retry-After beyond it', async () => {
      const store = a.app.get(CacheStore);
      const counted = jest.spyOn(store, 'countInWindow');
      for (const app of [a, a, a, b, b]) {
        await expectListed(app, 1);
      }
      // one Redis round trip per request for the limiter
      expect(counted).toHaveBeenCalledTimes(3);
      counted.mockRestore();

      expectRateLimited(await list(a));
      expectRateLimited(
        await request(b.server)
          .post(SESSIONS)
          .set(bearer(1))
          .send({ title: 'x' }),
      );
      await expectListed(b, 1, 2);

      const ttl = await a.redis!.client.pttl(
        a.redis!.key('ratelimit:default:user:1'),
      );
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    });

    it('is keyed by the user, not the client address, and runs after authentication', async () => {
      for (let i = 0; i < LIMIT * 3; i += 1) {
        const response = await request(a.server)
          .get(SESSIONS)
          .set('X-Forwarded-For', `10.0.0.${i}`);
        expect(response.status).toBe(401);
      }
      await expectListed(a, LIMIT, 3);
      expectRateLimited(await list(a, 3).set('X-Forwarded-For', '192.0.2.99'));
    });
  },
);

describe('RATE_LIMIT_PER_MINUTE', () => {
  it('RATE_LIMIT_PER_MINUTE=0 turns the limiter off', async () => {
    await withTestApp({ env: { RATE_LIMIT_PER_MINUTE: '0' } }, (off) =>
      expectListed(off, 20),
    );
  });
});

describe('Rate limit without Redis', () => {
  it('embedded mode (no Redis configured) limits in-process', async () => {
    await withTestApp(
      { redis: false, env: { RATE_LIMIT_PER_MINUTE: '3' } },
      async (t) => {
        await expectListed(t, 3);
        expectRateLimited(await list(t));
      },
    );
  });

  it('Redis configured but down: a degraded per-instance limit, logged once, never a 5xx', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const options = {
      env: {
        RATE_LIMIT_PER_MINUTE: '3',
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      },
    };
    try {
      await withTestApp(options, async (t) => {
        await expectListed(t, 3);
        for (let i = 0; i < 3; i += 1) {
          expectRateLimited(await list(t));
        }
        await expectListed(t, 1, 2);
        const degraded = warn.mock.calls.filter(([message]) =>
          String(message).includes('rate limits are counted per instance'),
        );
        expect(degraded).toHaveLength(1);
      });
    } finally {
      warn.mockRestore();
    }
  });
});
