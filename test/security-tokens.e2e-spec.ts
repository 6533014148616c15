import request from 'supertest';
import { API } from './helpers/constants';
import { expectProblem } from './helpers/problem';
import { TestApp, useTestApp } from './helpers/test-app';
import {
  inOneHour,
  nowSeconds as now,
  signRawToken,
  TEST_SECRET,
  unsignedToken,
} from './helpers/tokens';

const HS256 = JSON.stringify({ alg: 'HS256', typ: 'JWT' });
const hs256 = (payload: unknown) =>
  signRawToken(HS256, JSON.stringify(payload), TEST_SECRET);
const withSub = (sub: unknown) => hs256({ sub, exp: inOneHour() });

interface Case {
  name: string;
  authorization?: () => string;
}

/** Every way a caller can fail to authenticate; none may ever produce a 5xx. */
const WITHOUT_TOKEN: Case[] = [
  { name: 'no Authorization header' },
  { name: 'Basic credentials', authorization: () => 'Basic dXNlcjpwYXNz' },
  { name: '"Bearer" with nothing', authorization: () => 'Bearer' },
  { name: '"Bearer " and a space', authorization: () => 'Bearer ' },
  { name: 'a token without a scheme', authorization: () => withSub('42') },
];

const INVALID_TOKENS: Case[] = [
  {
    name: '2 segments',
    authorization: () =>
      `Bearer ${withSub('42').split('.').slice(0, 2).join('.')}`,
  },
  { name: '4 segments', authorization: () => `Bearer ${withSub('42')}.AAAA` },
  { name: 'garbage', authorization: () => 'Bearer not-a-jwt' },
  { name: 'two segments of garbage', authorization: () => 'Bearer abc.def' },
  {
    name: 'three segments of garbage',
    authorization: () => 'Bearer not.a.jwt',
  },
  {
    name: 'base64 that is not JSON',
    authorization: () => 'Bearer e30.bm90IGpzb24.c2ln',
  },
  ...['none', 'None', 'NONE'].map((alg) => ({
    name: `alg ${alg}`,
    authorization: () =>
      `Bearer ${unsignedToken(alg, JSON.stringify({ sub: '42', exp: inOneHour() }))}`,
  })),
  ...(['HS384', 'HS512'] as const).map((alg) => ({
    name: `${alg} signed with the real secret while HS256 is configured`,
    authorization: () =>
      `Bearer ${signRawToken(
        JSON.stringify({ alg, typ: 'JWT' }),
        JSON.stringify({ sub: '42', exp: inOneHour() }),
        TEST_SECRET,
        alg === 'HS384' ? 'sha384' : 'sha512',
      )}`,
  })),
  {
    name: 'HS256 header over an HS512 signature',
    authorization: () => {
      const [header, payload] = withSub('42').split('.');
      const other = signRawToken(
        HS256,
        JSON.stringify({ sub: '42', exp: inOneHour() }),
        TEST_SECRET,
        'sha512',
      );
      return `Bearer ${header}.${payload}.${other.split('.')[2]}`;
    },
  },
  {
    name: 'a tampered payload',
    authorization: () => {
      const [header, , signature] = withSub('42').split('.');
      const forged = Buffer.from(
        JSON.stringify({ sub: '1', exp: inOneHour() }),
      ).toString('base64url');
      return `Bearer ${header}.${forged}.${signature}`;
    },
  },
  {
    name: 'the wrong secret',
    authorization: () =>
      `Bearer ${signRawToken(HS256, JSON.stringify({ sub: '42', exp: inOneHour() }), 'not-the-secret-0123456789abcdef')}`,
  },
  {
    name: 'exp beyond the 30 s clock tolerance',
    authorization: () => `Bearer ${hs256({ sub: '42', exp: now() - 45 })}`,
  },
  {
    name: 'nbf in the future',
    authorization: () =>
      `Bearer ${hs256({ sub: '42', exp: inOneHour(), nbf: now() + 120 })}`,
  },
  {
    name: 'exp missing',
    authorization: () => `Bearer ${hs256({ sub: '42' })}`,
  },
  {
    name: 'exp as a string',
    authorization: () =>
      `Bearer ${hs256({ sub: '42', exp: String(inOneHour()) })}`,
  },
  {
    name: 'exp 1e400 (infinite)',
    authorization: () =>
      `Bearer ${signRawToken(HS256, '{"sub":"42","exp":1e400}', TEST_SECRET)}`,
  },
  ...['"x"', '[1]', '42', 'null', 'true'].map((payload) => ({
    name: `payload ${payload} (not an object)`,
    authorization: () => `Bearer ${signRawToken(HS256, payload, TEST_SECRET)}`,
  })),
  {
    name: 'sub missing',
    authorization: () => `Bearer ${hs256({ exp: inOneHour() })}`,
  },
  ...(
    [
      null,
      true,
      ['42'],
      { id: 42 },
      '0',
      '-1',
      '007',
      ' 7',
      '+7',
      '1e3',
      '0x10',
      '2147483648',
      2147483648,
      0,
      -1,
      4.5,
      '',
      'abc',
    ] as unknown[]
  ).map((sub) => ({
    name: `sub ${JSON.stringify(sub)}`,
    authorization: () => `Bearer ${withSub(sub)}`,
  })),
  {
    name: 'sub 9007199254740993 (beyond 2^53)',
    authorization: () =>
      `Bearer ${signRawToken(HS256, `{"sub":9007199254740993,"exp":${inOneHour()}}`, TEST_SECRET)}`,
  },
];

const ACCEPTED: Array<{
  name: string;
  authorization: () => string;
  userId: number;
}> = [
  {
    name: 'sub "42" (the auth service\'s shape)',
    authorization: () => `Bearer ${withSub('42')}`,
    userId: 42,
  },
  {
    name: 'sub 42 as a JSON number',
    authorization: () => `Bearer ${withSub(42)}`,
    userId: 42,
  },
  {
    name: 'sub "2147483647" (the largest id)',
    authorization: () => `Bearer ${withSub('2147483647')}`,
    userId: 2147483647,
  },
  {
    name: 'lowercase "bearer"',
    authorization: () => `bearer ${withSub('43')}`,
    userId: 43,
  },
  {
    name: 'exp 10 s ago, within the tolerance',
    authorization: () => `Bearer ${hs256({ sub: '44', exp: now() - 10 })}`,
    userId: 44,
  },
  {
    name: 'nbf 10 s ahead, within the tolerance',
    authorization: () =>
      `Bearer ${hs256({ sub: '45', exp: inOneHour(), nbf: now() + 10 })}`,
    userId: 45,
  },
];

const ROUTES: Array<[string, string]> = [
  ['get', `${API}/sessions`],
  ['get', `${API}/sessions/active`],
  ['post', `${API}/sessions`],
  ['post', `${API}/sessions/active/x`],
  ['post', `${API}/sessions/deactivate`],
  ['patch', `${API}/sessions/x`],
  ['delete', `${API}/sessions/x`],
];

function send(
  t: TestApp,
  method: string,
  path: string,
  authorization?: string,
) {
  let call = (
    request(t.server) as unknown as Record<string, (p: string) => request.Test>
  )[method](path);
  if (authorization !== undefined) {
    call = call.set('Authorization', authorization);
  }
  return method === 'post' || method === 'patch'
    ? call.send({ title: 'x' })
    : call;
}

function expectUnauthorized(
  response: request.Response,
  challenge: string,
  token?: string,
) {
  expectProblem(response, 401, {
    type: 'about:blank',
    title: 'Unauthorized',
    detail: expect.any(String),
  });
  expect(response.headers['www-authenticate']).toBe(challenge);
  if (token) {
    const secretPart = token.replace(/^\S+\s+/, '');
    expect(response.text).not.toContain(secretPart);
  }
  expect(response.text).not.toContain(TEST_SECRET);
}

describe('Bearer tokens (RFC 8725): every bad token is a 401 problem, never a 500', () => {
  const t = useTestApp({}, { resetEachTest: true });

  describe.each(ROUTES.slice(0, 3))('%s %s', (method, path) => {
    it.each(WITHOUT_TOKEN)(
      '401 with a plain Bearer challenge: $name',
      async ({ authorization }) => {
        expectUnauthorized(
          await send(t, method, path, authorization?.()),
          'Bearer',
        );
      },
    );

    it.each(INVALID_TOKENS)(
      '401 invalid_token: $name',
      async ({ authorization }) => {
        const header = authorization!();
        expectUnauthorized(
          await send(t, method, path, header),
          'Bearer error="invalid_token"',
          header,
        );
      },
    );
  });

  it.each(ROUTES)(
    '%s %s is guarded too (no token, and an alg none token)',
    async (method, path) => {
      expectUnauthorized(await send(t, method, path), 'Bearer');
      const none = INVALID_TOKENS.find((c) => c.name === 'alg none')!;
      expectUnauthorized(
        await send(t, method, path, none.authorization!()),
        'Bearer error="invalid_token"',
      );
    },
  );

  it.each(ACCEPTED)('accepts $name', async ({ authorization, userId }) => {
    const header = authorization();
    const created = await request(t.server)
      .post(`${API}/sessions`)
      .set('Authorization', header)
      .send({ title: 'mine' });
    expect(created.status).toBe(201);
    expect(created.body.user_id).toBe(userId);
    const listed = await request(t.server)
      .get(`${API}/sessions`)
      .set('Authorization', header);
    expect(listed.status).toBe(200);
    expect(listed.headers['cache-control']).toBe('no-store');
    expect(listed.body.map((s: { user_id: number }) => s.user_id)).toEqual([
      userId,
    ]);
  });
});

describe('JWT_AUDIENCE, JWT_ISSUER and JWT_CLOCK_TOLERANCE_SECONDS', () => {
  const claims = { aud: 'session-service', iss: 'https://auth.example.com' };
  const t = useTestApp({
    env: {
      JWT_AUDIENCE: claims.aud,
      JWT_ISSUER: claims.iss,
      JWT_CLOCK_TOLERANCE_SECONDS: '0',
    },
  });

  const list = (payload: unknown) =>
    request(t.server)
      .get(`${API}/sessions`)
      .set('Authorization', `Bearer ${hs256(payload)}`);

  it('accepts a token with the configured audience and issuer', async () => {
    const response = await list({ sub: '42', exp: inOneHour(), ...claims });
    expect(response.status).toBe(200);
  });

  it('accepts an audience list that contains the configured one', async () => {
    const response = await list({
      sub: '42',
      exp: inOneHour(),
      ...claims,
      aud: ['other', claims.aud],
    });
    expect(response.status).toBe(200);
  });

  it.each([
    ['no aud', { iss: claims.iss }],
    ['another aud', { aud: 'billing', iss: claims.iss }],
    ['no iss', { aud: claims.aud }],
    ['another iss', { aud: claims.aud, iss: 'https://evil.example.com' }],
    ['aud as a number', { aud: 7, iss: claims.iss }],
  ])('rejects %s with 401 invalid_token', async (_name, extra) => {
    const response = await list({ sub: '42', exp: inOneHour(), ...extra });
    expectUnauthorized(response, 'Bearer error="invalid_token"');
  });

  it('with tolerance 0, a token expired 5 s ago is rejected', async () => {
    const response = await list({ sub: '42', exp: now() - 5, ...claims });
    expectUnauthorized(response, 'Bearer error="invalid_token"');
    expect(response.body.detail).toBe('The token has expired');
  });
});
