import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { VerifiedTokenCache } from '../src/auth/verified-token-cache';
import type { AsymmetricAlgorithm } from '../src/config';
import {
  generateSigningKey,
  SigningKey,
  signWith,
} from './helpers/signing-keys';
import { createTestApp, TestApp } from './helpers/test-app';
import {
  inOneHour,
  signRawToken,
  signToken,
  unsignedToken,
} from './helpers/tokens';
import { SESSIONS } from './helpers/constants';
const AUDIENCE = 'session-service';
const ISSUER = 'https://idp.example.com/';
const now = () => Math.floor(Date.now() / 1000);

/** Claims to change; a function for times, so they are taken when the test runs. */
type Overrides = Record<string, unknown> | (() => Record<string, unknown>);

/** The claims an identity provider issues for user 42 to this service. */
const claims = (overrides: Overrides = {}) => ({
  sub: '42',
  exp: inOneHour(),
  aud: AUDIENCE,
  iss: ISSUER,
  ...(typeof overrides === 'function' ? overrides() : overrides),
});

/** An algorithm of another family, which the pinned one must refuse. */
const OTHER_ALGORITHM: Record<string, AsymmetricAlgorithm> = {
  RS256: 'ES256',
  ES256: 'EdDSA',
  EdDSA: 'PS256',
};

describe.each<[AsymmetricAlgorithm, 'PEM text' | 'a PEM file']>([
  ['RS256', 'PEM text'],
  ['ES256', 'a PEM file'],
  ['EdDSA', 'a PEM file'],
])('%s tokens verified with JWT_PUBLIC_KEY as %s', (alg, form) => {
  let t: TestApp;
  let key: SigningKey;
  const keyDir = mkdtempSync(join(tmpdir(), 'jwt-public-key-'));

  beforeAll(async () => {
    key = generateSigningKey(alg);
    let publicKey = key.publicKeyPem;
    if (form === 'a PEM file') {
      publicKey = join(keyDir, 'idp.pub.pem');
      writeFileSync(publicKey, key.publicKeyPem);
    }
    t = await createTestApp({
      env: {
        ALGORITHM: alg,
        JWT_PUBLIC_KEY: publicKey,
        JWT_AUDIENCE: AUDIENCE,
        JWT_ISSUER: ISSUER,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(keyDir, { recursive: true, force: true });
  });

  const get = (token: string) =>
    request(t.server).get(SESSIONS).set('Authorization', `Bearer ${token}`);

  it.each<[string, Overrides]>([
    ['the provider’s claims', {}],
    ['sub as a JSON number', { sub: 42 }],
    ['exp passed by less than the clock tolerance', () => ({ exp: now() - 5 })],
    ['nbf ahead by less than the clock tolerance', () => ({ nbf: now() + 10 })],
  ])('accepts %s', async (_case, overrides) => {
    expect((await get(await signWith(key, claims(overrides)))).status).toBe(
      200,
    );
  });

  it.each<[string, Overrides, string]>([
    ['no exp', { exp: undefined }, 'The token is invalid'],
    [
      'an exp beyond the clock tolerance',
      () => ({ exp: now() - 60 }),
      'The token has expired',
    ],
    [
      'an nbf beyond the clock tolerance',
      () => ({ nbf: now() + 120 }),
      'The token is not valid yet',
    ],
    [
      'no sub',
      { sub: undefined },
      'The token sub claim is not a valid user id',
    ],
    [
      'a zero-padded sub',
      { sub: '042' },
      'The token sub claim is not a valid user id',
    ],
    [
      'an out-of-range sub',
      { sub: '2147483648' },
      'The token sub claim is not a valid user id',
    ],
    ['another audience', { aud: 'another-service' }, 'The token is invalid'],
    ['no audience', { aud: undefined }, 'The token is invalid'],
    [
      'another issuer',
      { iss: 'https://evil.example.com/' },
      'The token is invalid',
    ],
  ])('refuses %s with 401', async (_case, overrides, detail) => {
    const response = await get(await signWith(key, claims(overrides)));
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(response.body.detail).toBe(detail);
  });

  it('refuses a token signed by another key of the same type', async () => {
    const impostor = generateSigningKey(alg, key.kid);
    expect((await get(await signWith(impostor, claims()))).status).toBe(401);
  });

  it('refuses another algorithm (the pinned one only)', async () => {
    const other = generateSigningKey(OTHER_ALGORITHM[alg]);
    expect((await get(await signWith(other, claims()))).status).toBe(401);
  });

  it('refuses HS256 signed with the public key as the HMAC secret (algorithm confusion)', async () => {
    const forged = signToken(claims(), key.publicKeyPem, 'HS256');
    const response = await get(forged);
    expect(response.status).toBe(401);
    expect(response.body.detail).toBe('The token is invalid');
    expect(
      (
        await get(
          signRawToken(
            JSON.stringify({ alg: 'HS256', typ: 'JWT' }),
            JSON.stringify(claims()),
            key.publicKeyPem.trim(),
          ),
        )
      ).status,
    ).toBe(401);
  });

  it('refuses alg none', async () => {
    expect(
      (await get(unsignedToken('none', JSON.stringify(claims())))).status,
    ).toBe(401);
  });

  it('remembers a verified token, and only that exact token', async () => {
    const token = await signWith(key, claims({ sub: '7' }));
    expect((await get(token)).status).toBe(200);
    expect(t.app.get(VerifiedTokenCache).get(`Bearer ${token}`)).toEqual({
      id: 7,
    });

    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${Buffer.from('forged').toString('base64url')}`;
    expect((await get(forged)).status).toBe(401);
  });
});
