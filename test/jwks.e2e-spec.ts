import request from 'supertest';
import {
  JWKS_FETCH_TIMEOUT_MS,
  JWKS_MAX_BYTES,
  JWKS_REFETCH_INTERVAL_MS,
} from '../src/auth/jwks-key-set';
import type { AsymmetricAlgorithm } from '../src/config';
import { JwksServer } from './helpers/jwks-server';
import {
  generateSigningKey,
  SigningKey,
  signWith,
} from './helpers/signing-keys';
import { createTestApp, TestApp } from './helpers/test-app';
import { inOneHour, signToken, unsignedToken } from './helpers/tokens';
import { SESSIONS } from './helpers/constants';

/** A fresh token each time, so the verified-token cache never answers for the JWKS. */
let nextUserId = 1;
const tokenFrom = (key: SigningKey, kid?: string) =>
  signWith(key, { sub: String(nextUserId++), exp: inOneHour() }, kid);

async function timedGet(t: TestApp, token: string) {
  const started = Date.now();
  const response = await request(t.server)
    .get(SESSIONS)
    .set('Authorization', `Bearer ${token}`);
  return { status: response.status, ms: Date.now() - started };
}

const statusOf = async (t: TestApp, token: string) =>
  (await timedGet(t, token)).status;

interface JwksApp {
  jwks: JwksServer;
  t: TestApp;
  /** When the application was up, its start-up fetch begun. */
  startedBy: number;
}

/** For the enclosing describe: a JWKS server, set up by `serve`, and an application using it. */
function useJwksApp(
  alg: AsymmetricAlgorithm,
  serve: (jwks: JwksServer) => void,
): JwksApp {
  const app = {} as JwksApp;
  beforeAll(async () => {
    app.jwks = await JwksServer.start();
    serve(app.jwks);
    app.t = await createTestApp({
      env: {
        ALGORITHM: alg,
        JWT_JWKS_URL: app.jwks.url,
        JWT_JWKS_CACHE_SECONDS: '30',
      },
    });
    app.startedBy = Date.now();
  });
  afterAll(async () => {
    await app.t?.close();
    await app.jwks?.stop();
  });
  return app;
}

const sleepUntil = (epochMs: number) =>
  new Promise((resolve) =>
    setTimeout(resolve, Math.max(0, epochMs - Date.now())),
  );

/** For each algorithm, a published JWK whose `alg` names another one of its family. */
const MISLABELLED: Record<string, AsymmetricAlgorithm> = {
  RS256: 'RS384',
  ES256: 'ES384',
  PS256: 'RS256',
  EdDSA: 'ES256',
};

describe.each<AsymmetricAlgorithm>(['RS256', 'ES256', 'PS256', 'EdDSA'])(
  '%s tokens verified with keys from a JWKS endpoint',
  (alg) => {
    const key = generateSigningKey(alg);
    const encryptionKey = generateSigningKey(alg);
    const mislabelledKey = generateSigningKey(alg);
    const app = useJwksApp(alg, (jwks) => {
      jwks.keys = [
        key.jwk,
        { ...encryptionKey.jwk, use: 'enc' },
        { ...mislabelledKey.jwk, alg: MISLABELLED[alg] },
      ];
    });

    it('accepts a token signed with the published key of its kid', async () => {
      expect(await statusOf(app.t, await tokenFrom(key))).toBe(200);
      expect(app.jwks.fetches).toBe(1);
    });

    it('refuses a token signed by another key under that kid', async () => {
      const impostor = generateSigningKey(alg, key.kid);
      expect(await statusOf(app.t, await tokenFrom(impostor))).toBe(401);
    });

    it('refuses an unknown kid, without a refetch within 30 s of the last', async () => {
      const unknown = generateSigningKey(alg);
      expect(await statusOf(app.t, await tokenFrom(unknown))).toBe(401);
      expect(app.jwks.fetches).toBe(1);
    });

    it('ignores a published key whose use is not "sig"', async () => {
      expect(await statusOf(app.t, await tokenFrom(encryptionKey))).toBe(401);
    });

    it('ignores a published key whose alg is another one', async () => {
      expect(await statusOf(app.t, await tokenFrom(mislabelledKey))).toBe(401);
    });

    it('refuses HS256 signed with the public key as the HMAC secret (algorithm confusion)', async () => {
      const claims = { sub: '1', exp: inOneHour() };
      const header = { alg: 'HS256', typ: 'JWT', kid: key.kid };
      for (const secret of [key.publicKeyPem, JSON.stringify(key.jwk)]) {
        expect(
          await statusOf(app.t, signToken(claims, secret, 'HS256', header)),
        ).toBe(401);
      }
    });

    it('refuses alg none', async () => {
      const token = unsignedToken(
        'none',
        JSON.stringify({ sub: '1', exp: inOneHour() }),
      );
      expect(await statusOf(app.t, token)).toBe(401);
    });
  },
);

/**
 * One timeline, on one application (passport keeps one "jwt" strategy per process, so
 * two applications with different keys cannot be alive at once), with the real 30 s
 * refetch interval: a key is rotated in, then the endpoint goes down.
 */
describe('JWKS key rotation and an unreachable endpoint, without a restart', () => {
  const k1 = generateSigningKey('RS256', 'k1');
  const k2 = generateSigningKey('RS256', 'k2');
  const k3 = generateSigningKey('RS256', 'k3');
  const app = useJwksApp('RS256', (jwks) => {
    jwks.keys = [k1.jwk];
  });

  it('fetched the set at start and accepts its kid', async () => {
    expect(await statusOf(app.t, await tokenFrom(k1))).toBe(200);
    expect(app.jwks.fetches).toBe(1);
  });

  it('refuses a kid not yet published, without refetching within 30 s', async () => {
    app.jwks.keys = [k2.jwk];
    expect(await statusOf(app.t, await tokenFrom(k2))).toBe(401);
    expect(app.jwks.fetches).toBe(1);
  });

  it('accepts the newly published kid once 30 s have passed since the last fetch', async () => {
    await sleepUntil(app.startedBy + JWKS_REFETCH_INTERVAL_MS + 100);

    expect(await statusOf(app.t, await tokenFrom(k2))).toBe(200);
    expect(app.jwks.fetches).toBe(2);
  }, 60_000);

  it('refuses the retired kid once the rotated set is fetched', async () => {
    expect(await statusOf(app.t, await tokenFrom(k1))).toBe(401);
    expect(app.jwks.fetches).toBe(2);
  });

  it('JWKS down: a known kid keeps working', async () => {
    await app.jwks.stop();
    expect(await statusOf(app.t, await tokenFrom(k2))).toBe(200);
  });

  it('JWKS down: an unknown kid gets 401 at once, never a 5xx', async () => {
    const { status, ms } = await timedGet(app.t, await tokenFrom(k3));
    expect(status).toBe(401);
    expect(ms).toBeLessThan(JWKS_FETCH_TIMEOUT_MS);
  });
});

describe('a JWKS endpoint that is slow', () => {
  const key = generateSigningKey('RS256');
  const app = useJwksApp('RS256', (jwks) => {
    jwks.keys = [key.jwk];
    jwks.delayMs = 10 * JWKS_FETCH_TIMEOUT_MS;
  });

  it('holds a request no longer than the fetch timeout, then answers 401', async () => {
    const { status, ms } = await timedGet(app.t, await tokenFrom(key));
    expect(status).toBe(401);
    expect(ms).toBeLessThanOrEqual(JWKS_FETCH_TIMEOUT_MS + 1000);
  });

  it('does not hold the next request at all (one fetch per 30 s)', async () => {
    const { status, ms } = await timedGet(app.t, await tokenFrom(key));
    expect(status).toBe(401);
    expect(ms).toBeLessThan(1000);
    expect(app.jwks.fetches).toBe(1);
  });
});

describe('a JWKS response beyond the size limit', () => {
  const key = generateSigningKey('ES256');
  const app = useJwksApp('ES256', (jwks) => {
    jwks.body = JSON.stringify({
      keys: [key.jwk],
      padding: 'x'.repeat(JWKS_MAX_BYTES),
    });
  });

  it('is refused: its keys are not used', async () => {
    expect(await statusOf(app.t, await tokenFrom(key))).toBe(401);
    expect(app.jwks.fetches).toBe(1);
  });
});
