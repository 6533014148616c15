// Key pairs made in the test, held the way an identity provider holds them: the private key signs, the public one is published.
import type { JWK } from 'jose';
import { generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import { signTokenWithKey } from '../../src/auth/sign-token';
import type { AsymmetricAlgorithm } from '../../src/config';

export interface SigningKey {
  alg: AsymmetricAlgorithm;
  kid: string;
  privateKey: KeyObject;
  /** SPKI PEM, as JWT_PUBLIC_KEY takes it. */
  publicKeyPem: string;
  /** The public key as a JWKS publishes it: `kid`, `alg` and `use: "sig"`. */
  jwk: JWK;
}

function generateKeyPair(alg: AsymmetricAlgorithm) {
  switch (alg) {
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ES384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
    default:
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
  }
}

export function generateSigningKey(
  alg: AsymmetricAlgorithm,
  kid: string = randomUUID(),
): SigningKey {
  const { privateKey, publicKey } = generateKeyPair(alg);
  return {
    alg,
    kid,
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' },
  };
}

/** A token carrying `claims`, signed with `key` and naming `kid` (the key's own by default). */
export function signWith(
  key: SigningKey,
  claims: unknown,
  kid: string | undefined = key.kid,
): Promise<string> {
  return signTokenWithKey(claims, key.privateKey, key.alg, kid);
}
