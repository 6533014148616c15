import { createHmac } from 'node:crypto';
import { signToken } from '../../src/auth/sign-token';

export { signToken };

export const TEST_SECRET = 'e2e-test-secret-0123456789abcdef-0123456789';

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export const inOneHour = () => nowSeconds() + 3600;

/** A token shaped exactly like the auth service's: `{"sub": "<id>", "exp": ...}`, HS256. */
export function tokenFor(userId: number, secret = TEST_SECRET): string {
  return signToken({ sub: String(userId), exp: inOneHour() }, secret);
}

export function bearer(userId: number): { Authorization: string } {
  return { Authorization: `Bearer ${tokenFor(userId)}` };
}

const segment = (json: string) => Buffer.from(json).toString('base64url');

/**
 * Signs exactly the JSON text given (so `1e400` or a non-object payload survive), with
 * HMAC over `header.payload`. For hostile-token tests only.
 */
export function signRawToken(
  headerJson: string,
  payloadJson: string,
  secret: string,
  hash: 'sha256' | 'sha384' | 'sha512' = 'sha256',
): string {
  const input = `${segment(headerJson)}.${segment(payloadJson)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

/** A token with `alg` in its header and an empty signature, as `alg: none` attacks send. */
export function unsignedToken(alg: string, payloadJson: string): string {
  return `${segment(JSON.stringify({ alg, typ: 'JWT' }))}.${segment(payloadJson)}.`;
}
