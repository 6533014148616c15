import { Logger } from '@nestjs/common';
import { createServer } from 'node:net';
import request from 'supertest';
import { CacheStore } from '../src/redis/cache-store';
import { describeWith } from './helpers/requirements';
import { createTestApp, useTestApp } from './helpers/test-app';
import { bearer } from './helpers/tokens';
import { API, PROBLEM_JSON } from './helpers/constants';

const RATE_LIMITED = 'urn:session-service:problem:rate-limited';

async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function expectRateLimited(response: request.Response) {
  expect(response.status).toBe(429);
  expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
  expect(response.body).toMatchObject({ type: RATE_LIMITED, status: 429 });
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
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      type: 'urn:session-service:problem:session-limit-reached',
      status: 409,
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
        const response = await request(app.server)
          .get(`${API}/sessions`)
          .set(bearer(1));
        expect(response.status).toBe(200);
      }
      // one Redis round trip per request for the limiter
      expect(counted).toHaveBeenCalledTimes(3);
      counted.mockRestore();

      expectRateLimited(
        await request(a.server).get(`${API}/sessions`).set(bearer(1)),
      );
      expectRateLimited(
        await request(b.server)
          .post(`${API}/sessions`)
          .set(bearer(1))
          .send({ title: 'x' }),
      );
      expect(
        (await request(b.server).get(`${API}/sessions`).set(bearer(2))).status,
      ).toBe(200);

      const ttl = await a.redis!.client.pttl(
        a.redis!.key('ratelimit:default:user:1'),
      );
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    });

    it('is keyed by the user, not the client address, and runs after authentication', async () => {
      for (let i = 0; i < LIMIT * 3; i += 1) {
        const response = await request(a.server)
          .get(`${API}/sessions`)
          .set('X-Forwarded-For', `10.0.0.${i}`);
        expect(response.status).toBe(401);
      }
      for (let i = 0; i < LIMIT; i += 1) {
        expect(
          (await request(a.server).get(`${API}/sessions`).set(bearer(3)))
            .status,
        ).toBe(200);
      }
      expectRateLimited(
        await request(a.server)
          .get(`${API}/sessions`)
          .set(bearer(3))
          .set('X-Forwarded-For', '192.0.2.99'),
      );
    });

    it('RATE_LIMIT_PER_MINUTE=0 turns the limiter off', async () => {
      const off = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
      try {
        for (let i = 0; i < 20; i += 1) {
          expect(
            (await request(off.server).get(`${API}/sessions`).set(bearer(1)))
              .status,
          ).toBe(200);
        }
      } finally {
        await off.close();
      }
    });
  },
);

describe('Rate limit without Redis', () => {
  it('embedded mode (no Redis configured) limits in-process', async () => {
    const t = await createTestApp({
      redis: false,
      env: { RATE_LIMIT_PER_MINUTE: '3' },
    });
    try {
      for (let i = 0; i < 3; i += 1) {
        expect(
          (await request(t.server).get(`${API}/sessions`).set(bearer(1)))
            .status,
        ).toBe(200);
      }
      expectRateLimited(
        await request(t.server).get(`${API}/sessions`).set(bearer(1)),
      );
    } finally {
      await t.close();
    }
  });

  it('Redis configured but down: a degraded per-instance limit, logged once, never a 5xx', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const t = await createTestApp({
      env: {
        RATE_LIMIT_PER_MINUTE: '3',
        REDIS_URL: `redis://127.0.0.1:${await deadPort()}`,
      },
    });
    try {
      for (let i = 0; i < 3; i += 1) {
        expect(
          (await request(t.server).get(`${API}/sessions`).set(bearer(1)))
            .status,
        ).toBe(200);
      }
      for (let i = 0; i < 3; i += 1) {
        expectRateLimited(
          await request(t.server).get(`${API}/sessions`).set(bearer(1)),
        );
      }
      expect(
        (await request(t.server).get(`${API}/sessions`).set(bearer(2))).status,
      ).toBe(200);
      const degraded = warn.mock.calls.filter(([message]) =>
        String(message).includes('rate limits are counted per instance'),
      );
      expect(degraded).toHaveLength(1);
    } finally {
      warn.mockRestore();
      await t.close();
    }
  });
});
