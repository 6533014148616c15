import { signToken } from '../../src/auth/sign-token';

export const TEST_SECRET = 'e2e-test-secret-0123456789abcdef-0123456789';

const inOneHour = () => Math.floor(Date.now() / 1000) + 3600;

/** A token shaped exactly like the auth service's: `{"sub": "<id>", "exp": ...}`, HS256. */
export function tokenFor(userId: number, secret = TEST_SECRET): string {
  return signToken({ sub: String(userId), exp: inOneHour() }, secret);
}

export function bearer(userId: number): { Authorization: string } {
  return { Authorization: `Bearer ${tokenFor(userId)}` };
}

export { inOneHour, signToken };
