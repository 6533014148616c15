import request from 'supertest';
import { createTestApp, TestApp } from './helpers/test-app';
import { inOneHour, signToken, TEST_SECRET } from './helpers/tokens';

const API = '/api/v1';
const now = () => Math.floor(Date.now() / 1000);
const header = (alg: string) => ({ alg, typ: 'JWT' });
const unsigned = (payload: object, alg = 'none') =>
  `${Buffer.from(JSON.stringify(header(alg))).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;

describe('Authentication', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const withAuthorization = (value?: string) => {
    const call = request(t.server).get(`${API}/sessions`);
    return value === undefined ? call : call.set('Authorization', value);
  };

  it('accepts a token shaped like the auth service’s ({"sub": "42", "exp": …}, HS256)', async () => {
    const token = signToken({ sub: '42', exp: inOneHour() }, TEST_SECRET);
    const response = await withAuthorization(`Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('accepts sub as a JSON number and the scheme in lowercase', async () => {
    const token = signToken({ sub: 42, exp: inOneHour() }, TEST_SECRET);
    expect((await withAuthorization(`bearer ${token}`)).status).toBe(200);
  });

  it.each([
    ['no Authorization header', undefined, 'Bearer'],
    ['a Basic scheme', 'Basic dXNlcjpwYXNz', 'Bearer'],
    ['Bearer with nothing', 'Bearer ', 'Bearer'],
  ])(
    'answers 401 for %s, challenging without an error code',
    async (_case, value, challenge) => {
      const response = await withAuthorization(value);
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe(challenge);
      expect(response.headers['content-type']).toMatch(
        /^application\/problem\+json/,
      );
      expect(response.body).toMatchObject({
        title: 'Unauthorized',
        status: 401,
        detail: expect.any(String),
      });
    },
  );

  const invalidTokens: Array<[string, string]> = [
    ['a malformed token', 'not.a.jwt'],
    ['two segments', 'abc.def'],
    [
      'a bad signature',
      signToken({ sub: '1', exp: inOneHour() }, 'another-secret'),
    ],
    ['alg none', unsigned({ sub: '1', exp: inOneHour() })],
    ['alg NONE', unsigned({ sub: '1', exp: inOneHour() }, 'NONE')],
    [
      'HS384 while HS256 is configured',
      signToken({ sub: '1', exp: inOneHour() }, TEST_SECRET, 'HS384'),
    ],
    [
      'HS512 while HS256 is configured',
      signToken({ sub: '1', exp: inOneHour() }, TEST_SECRET, 'HS512'),
    ],
    [
      'an expired token',
      signToken({ sub: '1', exp: now() - 3600 }, TEST_SECRET),
    ],
    [
      'nbf in the future',
      signToken({ sub: '1', exp: inOneHour(), nbf: now() + 3600 }, TEST_SECRET),
    ],
    ['a missing exp', signToken({ sub: '1' }, TEST_SECRET)],
    [
      'a string exp',
      signToken({ sub: '1', exp: String(inOneHour()) }, TEST_SECRET),
    ],
    ['a missing sub', signToken({ exp: inOneHour() }, TEST_SECRET)],
    ['sub "007"', signToken({ sub: '007', exp: inOneHour() }, TEST_SECRET)],
    ['sub "-1"', signToken({ sub: '-1', exp: inOneHour() }, TEST_SECRET)],
    ['sub "0"', signToken({ sub: '0', exp: inOneHour() }, TEST_SECRET)],
    [
      'sub "2147483648"',
      signToken({ sub: '2147483648', exp: inOneHour() }, TEST_SECRET),
    ],
    ['sub "abc"', signToken({ sub: 'abc', exp: inOneHour() }, TEST_SECRET)],
    ['sub 1.5', signToken({ sub: 1.5, exp: inOneHour() }, TEST_SECRET)],
  ];

  it.each(invalidTokens)(
    'answers 401 with error="invalid_token" for %s',
    async (_case, token) => {
      const response = await withAuthorization(`Bearer ${token}`);
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe(
        'Bearer error="invalid_token"',
      );
      expect(response.body).toMatchObject({ type: 'about:blank', status: 401 });
      expect(response.text).not.toContain(token);
    },
  );

  it('guards every session route', async () => {
    const calls = [
      request(t.server).get(`${API}/sessions/active`),
      request(t.server).post(`${API}/sessions`).send({ title: 'x' }),
      request(t.server).post(`${API}/sessions/active/x`),
      request(t.server).post(`${API}/sessions/deactivate`),
      request(t.server).patch(`${API}/sessions/x`).send({ title: 'y' }),
      request(t.server).delete(`${API}/sessions/x`),
    ];
    for (const call of calls) {
      const response = await call;
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
    }
  });
});
