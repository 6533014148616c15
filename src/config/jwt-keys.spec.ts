import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfiguration } from './configuration';

const pem = (key: KeyObject) =>
  key.export({ type: 'spki', format: 'pem' }) as string;

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const RSA_PEM = pem(rsa.publicKey);
const P256_PEM = pem(
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
);
const P384_PEM = pem(
  generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey,
);
const ED25519_PEM = pem(generateKeyPairSync('ed25519').publicKey);
const RSA_1024_PEM = pem(
  generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey,
);
const JWKS_URL = 'https://idp.example.com/.well-known/jwks.json';

describe('configuration: asymmetric JWT keys', () => {
  let dataDir: string;
  const build = (env: Record<string, string>) =>
    buildConfiguration({ DATA_DIR: dataDir, ...env });
  const failure = (env: Record<string, string>): string => {
    try {
      build(env);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('the configuration was accepted');
  };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'jwt-keys-spec-'));
  });

  it('keeps HS256 with SECRET_KEY and no key source by default', () => {
    const { jwt } = build({ SECRET_KEY: 's' });
    expect(jwt).toMatchObject({ algorithm: 'HS256', secret: 's' });
    expect(jwt.publicKey).toBeUndefined();
    expect(jwt.jwks).toBeUndefined();
  });

  it('reads JWT_PUBLIC_KEY as PEM text, with no HS secret and no generated one', () => {
    const { jwt } = build({
      ALGORITHM: 'RS256',
      JWT_PUBLIC_KEY: RSA_PEM,
      SECRET_KEY: 'ignored',
    });
    expect(jwt).toMatchObject({
      algorithm: 'RS256',
      publicKey: RSA_PEM.trim(),
    });
    expect(jwt.secret).toBeUndefined();
    expect(existsSync(join(dataDir, 'secret-key'))).toBe(false);
  });

  it('accepts a PEM written on one line with \\n escapes', () => {
    const { jwt } = build({
      ALGORITHM: 'ES256',
      JWT_PUBLIC_KEY: P256_PEM.trim().replaceAll('\n', '\\n'),
    });
    expect(jwt.publicKey).toBe(P256_PEM.trim());
  });

  it('reads JWT_PUBLIC_KEY as a path to a PEM file', () => {
    const path = join(dataDir, 'idp.pub.pem');
    writeFileSync(path, ED25519_PEM);
    expect(
      build({ ALGORITHM: 'EdDSA', JWT_PUBLIC_KEY: path }).jwt.publicKey,
    ).toBe(ED25519_PEM);
  });

  it('reads JWT_JWKS_URL with a 600 s cache unless JWT_JWKS_CACHE_SECONDS says otherwise', () => {
    expect(
      build({ ALGORITHM: 'PS256', JWT_JWKS_URL: JWKS_URL }).jwt.jwks,
    ).toEqual({ url: JWKS_URL, cacheSeconds: 600 });
    expect(
      build({
        ALGORITHM: 'ES384',
        JWT_JWKS_URL: JWKS_URL,
        JWT_JWKS_CACHE_SECONDS: '120',
      }).jwt.jwks,
    ).toEqual({ url: JWKS_URL, cacheSeconds: 120 });
  });

  it('does not require SECRET_KEY in production when tokens are asymmetric', () => {
    const { jwt } = build({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/app',
      ALGORITHM: 'RS256',
      JWT_JWKS_URL: JWKS_URL,
    });
    expect(jwt.secret).toBeUndefined();
  });

  it.each([
    ['http://127.0.0.1:8080/jwks', 'production'],
    ['http://localhost/jwks', 'production'],
    ['http://[::1]:9000/jwks', 'production'],
    ['http://idp.internal/jwks', 'development'],
  ])('allows plain http for %s in %s', (url, nodeEnv) => {
    expect(
      build({
        NODE_ENV: nodeEnv,
        DATABASE_URL: 'postgres://db/app',
        ALGORITHM: 'RS256',
        JWT_JWKS_URL: url,
      }).jwt.jwks?.url,
    ).toBe(new URL(url).href);
  });

  const invalid: Array<[string, Record<string, string>, string]> = [
    [
      'an asymmetric algorithm without a key source',
      { ALGORITHM: 'RS256' },
      'Invalid configuration: ALGORITHM is RS256, which needs JWT_PUBLIC_KEY (a PEM, or a path to one) or JWT_JWKS_URL',
    ],
    [
      'both key sources',
      { ALGORITHM: 'RS256', JWT_PUBLIC_KEY: RSA_PEM, JWT_JWKS_URL: JWKS_URL },
      'Invalid configuration: JWT_PUBLIC_KEY and JWT_JWKS_URL are both set',
    ],
    [
      'a public key with an HS algorithm',
      { JWT_PUBLIC_KEY: RSA_PEM },
      'Invalid configuration: JWT_PUBLIC_KEY is for RS*, PS*, ES* and EdDSA tokens, but ALGORITHM=HS256 verifies with SECRET_KEY',
    ],
    [
      'a JWKS URL with an HS algorithm',
      { ALGORITHM: 'HS512', JWT_JWKS_URL: JWKS_URL },
      'Invalid configuration: JWT_JWKS_URL is for RS*, PS*, ES* and EdDSA tokens, but ALGORITHM=HS512',
    ],
    [
      'an unreadable path',
      { ALGORITHM: 'RS256', JWT_PUBLIC_KEY: '/nonexistent/idp.pem' },
      'Invalid configuration: JWT_PUBLIC_KEY is neither a PEM nor a readable file (ENOENT)',
    ],
    [
      'a broken PEM',
      {
        ALGORITHM: 'RS256',
        JWT_PUBLIC_KEY:
          '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----',
      },
      'Invalid configuration: JWT_PUBLIC_KEY is not a valid PEM public key',
    ],
    [
      'a private key',
      {
        ALGORITHM: 'RS256',
        JWT_PUBLIC_KEY: rsa.privateKey.export({
          type: 'pkcs8',
          format: 'pem',
        }) as string,
      },
      'Invalid configuration: JWT_PUBLIC_KEY holds a private key: give the public key only',
    ],
    [
      'an EC key for RS256',
      { ALGORITHM: 'RS256', JWT_PUBLIC_KEY: P256_PEM },
      'Invalid configuration: JWT_PUBLIC_KEY holds a key of type ec prime256v1, which does not fit ALGORITHM=RS256 (it needs an RSA key)',
    ],
    [
      'a P-384 key for ES256',
      { ALGORITHM: 'ES256', JWT_PUBLIC_KEY: P384_PEM },
      'does not fit ALGORITHM=ES256 (it needs an EC P-256 key)',
    ],
    [
      'an RSA key for EdDSA',
      { ALGORITHM: 'EdDSA', JWT_PUBLIC_KEY: RSA_PEM },
      'does not fit ALGORITHM=EdDSA (it needs an Ed25519 key)',
    ],
    [
      'an Ed25519 key for ES384',
      { ALGORITHM: 'ES384', JWT_PUBLIC_KEY: ED25519_PEM },
      'does not fit ALGORITHM=ES384 (it needs an EC P-384 key)',
    ],
    [
      'a 1024-bit RSA key',
      { ALGORITHM: 'PS256', JWT_PUBLIC_KEY: RSA_1024_PEM },
      'Invalid configuration: JWT_PUBLIC_KEY is a 1024-bit RSA key; PS256 needs at least 2048 bits',
    ],
    [
      'a JWKS URL that is not a URL',
      { ALGORITHM: 'RS256', JWT_JWKS_URL: 'idp.example.com/jwks' },
      'Invalid configuration: JWT_JWKS_URL is not a valid URL',
    ],
    [
      'a JWKS URL over another scheme',
      { ALGORITHM: 'RS256', JWT_JWKS_URL: 'ftp://idp.example.com/jwks' },
      'Invalid configuration: JWT_JWKS_URL must be an https:// URL (http:// only for a loopback host, or when NODE_ENV is not production)',
    ],
    [
      'a plain-http JWKS URL to another host in production',
      {
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://db/app',
        ALGORITHM: 'RS256',
        JWT_JWKS_URL: 'http://idp.example.com/jwks',
      },
      'Invalid configuration: JWT_JWKS_URL must be an https:// URL',
    ],
    [
      'a JWKS cache shorter than the refetch interval',
      {
        ALGORITHM: 'RS256',
        JWT_JWKS_URL: JWKS_URL,
        JWT_JWKS_CACHE_SECONDS: '29',
      },
      'Invalid configuration: JWT_JWKS_CACHE_SECONDS must not be less than 30',
    ],
    [
      'an algorithm outside the list',
      { ALGORITHM: 'ES512', JWT_JWKS_URL: JWKS_URL },
      'Invalid configuration: ALGORITHM must be one of the following values',
    ],
  ];

  it.each(invalid)(
    'stops on %s with one line naming the variables',
    (_case, env, message) => {
      const text = failure(env);
      expect(text).toContain(message);
      expect(text).not.toContain('\n');
    },
  );

  it('never echoes the value of JWT_PUBLIC_KEY', () => {
    const text = failure({
      ALGORITHM: 'RS256',
      JWT_PUBLIC_KEY: `-----BEGIN PUBLIC KEY-----${'A'.repeat(20000)}`,
    });
    expect(text).toContain('JWT_PUBLIC_KEY');
    expect(text).not.toContain('AAAA');
  });
});
