import request from 'supertest';
import { useTestApp } from './helpers/test-app';
import { SESSIONS } from './helpers/constants';
import { nowSeconds, signToken, TEST_SECRET } from './helpers/tokens';

const ACTIVE = `${SESSIONS}/active`;

/** The verified-token cache must never outlive a token or admit an unverified one. */
describe('Verified tokens are remembered, never beyond their exp', () => {
  const t = useTestApp({ env: { JWT_CLOCK_TOLERANCE_SECONDS: '0' } });

  it('rejects a token that was accepted (and cached) once its exp has passed', async () => {
    const exp = nowSeconds() + 2;
    const auth = `Bearer ${signToken({ sub: '5', exp }, TEST_SECRET)}`;

    await expect(
      request(t.server).get(ACTIVE).set('Authorization', auth),
    ).resolves.toHaveProperty('status', 404);
    await expect(
      request(t.server).get(ACTIVE).set('Authorization', auth),
    ).resolves.toHaveProperty('status', 404);

    await new Promise((resolve) =>
      setTimeout(resolve, exp * 1000 - Date.now() + 100),
    );
    const expired = await request(t.server)
      .get(ACTIVE)
      .set('Authorization', auth);
    expect(expired.status).toBe(401);
    expect(expired.body.detail).toBe('The token has expired');
  });

  it('does not let a forged signature ride on a cached token', async () => {
    const token = signToken({ sub: '6', exp: nowSeconds() + 600 }, TEST_SECRET);
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(43)}`;

    await expect(
      request(t.server).get(ACTIVE).set('Authorization', `Bearer ${token}`),
    ).resolves.toHaveProperty('status', 404);
    await expect(
      request(t.server).get(ACTIVE).set('Authorization', `Bearer ${forged}`),
    ).resolves.toHaveProperty('status', 401);
  });
});
