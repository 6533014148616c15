import { Logger } from '@nestjs/common';
import { errors, type FlattenedJWSInput, type JWK } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { JWKS_REFETCH_INTERVAL_MS, JwksKeySet } from './jwks-key-set';

const CACHE_SECONDS = 60;
const publishedKey = (kid: string): JWK => ({
  ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
    format: 'jwk',
  }),
  kid,
  alg: 'ES256',
  use: 'sig',
});
const A = publishedKey('a');
const B = publishedKey('b');
const TOKEN: FlattenedJWSInput = { payload: '', signature: '' };

describe('JwksKeySet', () => {
  let now: number;
  let fetchMock: jest.SpyInstance;
  let warn: jest.SpyInstance;
  let keys: JwksKeySet;

  const resolve = (kid: string) => keys.resolve({ alg: 'ES256', kid }, TOKEN);
  const serve = (...published: JWK[]) =>
    fetchMock.mockImplementation(() =>
      Promise.resolve(Response.json({ keys: published })),
    );
  const goDown = () =>
    fetchMock.mockImplementation(() =>
      Promise.reject(new TypeError('fetch failed')),
    );
  const settle = () => new Promise((done) => setImmediate(done));

  beforeEach(() => {
    now = 1_900_000_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    fetchMock = jest.spyOn(globalThis, 'fetch');
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    keys = new JwksKeySet('https://idp.example.com/jwks', CACHE_SECONDS);
  });
  afterEach(() => jest.restoreAllMocks());

  it('fetches the set once and picks keys from it by kid', async () => {
    serve(A, B);
    await expect(resolve('a')).resolves.toHaveProperty('type', 'public');
    await expect(resolve('b')).resolves.toHaveProperty('type', 'public');
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it('refetches for an unknown kid at most once per 30 s', async () => {
    serve(A);
    await resolve('a');
    serve(A, B);

    await expect(resolve('b')).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(fetchMock).toHaveBeenCalledTimes(1);

    now += JWKS_REFETCH_INTERVAL_MS;
    await expect(resolve('b')).resolves.toHaveProperty('type', 'public');
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it('answers from a stale set at once while it refreshes in the background', async () => {
    serve(A);
    await resolve('a');
    now += CACHE_SECONDS * 1000;
    let answer!: (response: Response) => void;
    fetchMock.mockImplementation(
      () => new Promise<Response>((done) => (answer = done)),
    );

    await expect(resolve('a')).resolves.toHaveProperty('type', 'public');
    expect(fetchMock).toHaveBeenCalledTimes(2);

    answer(Response.json({ keys: [B] }));
    await settle();
    await expect(resolve('b')).resolves.toHaveProperty('type', 'public');
    await expect(resolve('a')).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
  });

  it('keeps the last set while the endpoint is down, trying once per 30 s', async () => {
    serve(A);
    await resolve('a');
    now += CACHE_SECONDS * 1000;
    goDown();

    await expect(resolve('a')).resolves.toHaveProperty('type', 'public');
    await settle();
    await expect(resolve('b')).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('the keys fetched before stay in use'),
    );

    now += JWKS_REFETCH_INTERVAL_MS;
    await expect(resolve('b')).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    await expect(resolve('a')).resolves.toHaveProperty('type', 'public');
    expect(fetchMock).toHaveBeenCalledTimes(3);
  });

  it('with no set yet and the endpoint down, refuses until a retry 30 s later succeeds', async () => {
    goDown();
    await expect(resolve('a')).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    await expect(resolve('a')).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('no keys yet'));

    now += JWKS_REFETCH_INTERVAL_MS;
    serve(A);
    await expect(resolve('a')).resolves.toHaveProperty('type', 'public');
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it('joins the fetch in flight instead of starting another', async () => {
    serve(A);
    await Promise.all([resolve('a'), resolve('a'), keys.fetch()]);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it('refuses a response that is not a key set', async () => {
    fetchMock.mockImplementation(() =>
      Promise.resolve(Response.json({ keys: 'none' })),
    );
    await expect(resolve('a')).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining(
        'fetching the key set from https://idp.example.com/jwks failed (JSON Web Key Set malformed)',
      ),
    );
  });
});
