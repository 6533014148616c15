// Where an asymmetric ALGORITHM's verification keys come from, checked once at start-up.
import { createPublicKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigurationError, EnvironmentVariables } from './environment';
import {
  AsymmetricAlgorithm,
  isHmacAlgorithm,
  JwtAlgorithm,
} from './jwt-algorithms';

export interface JwtKeySource {
  /** JWT_PUBLIC_KEY as PEM text, checked against ALGORITHM. */
  publicKey?: string;
  /** JWT_JWKS_URL, and how long a fetched key set is used before it is fetched again. */
  jwks?: { url: string; cacheSeconds: number };
}

interface KeyType {
  /** `KeyObject.asymmetricKeyType`, and the curve for EC keys. */
  type: string;
  curve?: string;
  label: string;
}

const RSA: KeyType = { type: 'rsa', label: 'an RSA key' };

const KEY_TYPE: Record<AsymmetricAlgorithm, KeyType> = {
  RS256: RSA,
  RS384: RSA,
  RS512: RSA,
  PS256: RSA,
  ES256: { type: 'ec', curve: 'prime256v1', label: 'an EC P-256 key' },
  ES384: { type: 'ec', curve: 'secp384r1', label: 'an EC P-384 key' },
  EdDSA: { type: 'ed25519', label: 'an Ed25519 key' },
};

/** RFC 7518 §3.3; jose refuses shorter RSA keys too. */
const MIN_RSA_BITS = 2048;
const DEFAULT_JWKS_CACHE_SECONDS = 600;
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

export function jwtKeySource(
  env: EnvironmentVariables,
  algorithm: JwtAlgorithm,
  production: boolean,
): JwtKeySource {
  const { JWT_PUBLIC_KEY: publicKey, JWT_JWKS_URL: jwksUrl } = env;
  if (publicKey && jwksUrl) {
    throw new ConfigurationError(
      'JWT_PUBLIC_KEY',
      'and JWT_JWKS_URL are both set: configure one key source',
    );
  }
  if (isHmacAlgorithm(algorithm)) {
    if (publicKey || jwksUrl) {
      throw new ConfigurationError(
        publicKey ? 'JWT_PUBLIC_KEY' : 'JWT_JWKS_URL',
        `is for RS*, PS*, ES* and EdDSA tokens, but ALGORITHM=${algorithm} verifies with SECRET_KEY (set ALGORITHM, or unset this variable)`,
      );
    }
    return {};
  }
  if (publicKey) {
    return { publicKey: checkedPublicKey(publicKey, algorithm) };
  }
  if (jwksUrl) {
    return {
      jwks: {
        url: checkedJwksUrl(jwksUrl, production),
        cacheSeconds: env.JWT_JWKS_CACHE_SECONDS ?? DEFAULT_JWKS_CACHE_SECONDS,
      },
    };
  }
  throw new ConfigurationError(
    'ALGORITHM',
    `is ${algorithm}, which needs JWT_PUBLIC_KEY (a PEM, or a path to one) or JWT_JWKS_URL`,
  );
}

function readPem(value: string): string {
  const text = value.trim();
  if (text.startsWith('-----BEGIN')) {
    // A PEM passed through an env file or a container variable often arrives on one line.
    return text.replaceAll('\\n', '\n');
  }
  try {
    return readFileSync(text, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      'JWT_PUBLIC_KEY',
      `is neither a PEM nor a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
}

function checkedPublicKey(value: string, algorithm: AsymmetricAlgorithm) {
  const pem = readPem(value);
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new ConfigurationError(
      'JWT_PUBLIC_KEY',
      'holds a private key: give the public key only',
    );
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new ConfigurationError(
      'JWT_PUBLIC_KEY',
      'is not a valid PEM public key (-----BEGIN PUBLIC KEY-----)',
    );
  }
  const expected = KEY_TYPE[algorithm];
  const details = key.asymmetricKeyDetails;
  if (
    key.asymmetricKeyType !== expected.type ||
    (expected.curve !== undefined && details?.namedCurve !== expected.curve)
  ) {
    const actual = [key.asymmetricKeyType, details?.namedCurve]
      .filter(Boolean)
      .join(' ');
    throw new ConfigurationError(
      'JWT_PUBLIC_KEY',
      `holds a key of type ${actual}, which does not fit ALGORITHM=${algorithm} (it needs ${expected.label})`,
    );
  }
  if (expected === RSA && (details?.modulusLength ?? 0) < MIN_RSA_BITS) {
    throw new ConfigurationError(
      'JWT_PUBLIC_KEY',
      `is a ${details?.modulusLength}-bit RSA key; ${algorithm} needs at least ${MIN_RSA_BITS} bits`,
    );
  }
  return pem;
}

function checkedJwksUrl(value: string, production: boolean): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError('JWT_JWKS_URL', 'is not a valid URL');
  }
  const plainHttpAllowed = !production || LOOPBACK_HOST.test(url.hostname);
  if (
    url.protocol !== 'https:' &&
    !(url.protocol === 'http:' && plainHttpAllowed)
  ) {
    throw new ConfigurationError(
      'JWT_JWKS_URL',
      'must be an https:// URL (http:// only for a loopback host, or when NODE_ENV is not production)',
    );
  }
  return url.href;
}
