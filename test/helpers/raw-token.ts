import { createHmac } from 'node:crypto';

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

export function unsignedToken(alg: string, payloadJson: string): string {
  return `${segment(JSON.stringify({ alg, typ: 'JWT' }))}.${segment(payloadJson)}.`;
}
