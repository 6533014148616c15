import { CompactSign } from 'jose';
import { createHmac, KeyObject } from 'node:crypto';
import type { AsymmetricAlgorithm, HmacAlgorithm } from '../config';

const HASH_OF: Record<HmacAlgorithm, string> = {
  HS256: 'sha256',
  HS384: 'sha384',
  HS512: 'sha512',
};

const base64url = (value: unknown) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Signs a token the way the auth service does. Used by `npm run token` and the tests;
 * the service itself only verifies.
 */
export function signToken(
  payload: unknown,
  secret: string,
  algorithm: HmacAlgorithm = 'HS256',
  header: Record<string, unknown> = { alg: algorithm, typ: 'JWT' },
): string {
  const signingInput = `${base64url(header)}.${base64url(payload)}`;
  const signature = createHmac(HASH_OF[algorithm], secret)
    .update(signingInput)
    .digest('base64url');
  return `${signingInput}.${signature}`;
}

/**
 * Signs a token the way an identity provider does, with its private key (jose signs;
 * the payload is taken as given, so tests can sign claims the service must refuse).
 */
export function signTokenWithKey(
  payload: unknown,
  privateKey: KeyObject,
  algorithm: AsymmetricAlgorithm,
  kid?: string,
): Promise<string> {
  return new CompactSign(Buffer.from(JSON.stringify(payload)))
    .setProtectedHeader({ alg: algorithm, typ: 'JWT', kid })
    .sign(privateKey);
}
