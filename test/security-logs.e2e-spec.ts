import { API } from './helpers/constants';
import {
  runBuiltServiceToExit,
  startBuiltService,
} from './helpers/service-process';
import { createTestDatabase, TestDatabase } from './helpers/test-database';
import {
  inOneHour,
  signRawToken,
  signToken,
  TEST_SECRET,
  tokenFor,
  unsignedToken,
} from './helpers/tokens';

describe('Logs never contain tokens or the secret', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('after good and bad tokens, hostile bodies and a failure, the output holds no credential', async () => {
    const service = await startBuiltService({
      databaseUrl: database.url,
      extra: { LOG_LEVEL: 'trace', RATE_LIMIT_PER_MINUTE: '5' },
    });
    try {
      const good = tokenFor(42);
      const tokens = [
        good,
        signToken(
          { sub: '42', exp: inOneHour() },
          'wrong-secret-0123456789abcdef-xyz',
        ),
        signToken({ sub: '42', exp: 1 }, TEST_SECRET),
        signToken({ sub: '007', exp: inOneHour() }, TEST_SECRET),
        unsignedToken('none', JSON.stringify({ sub: '42', exp: inOneHour() })),
        signRawToken('{"alg":"HS256"}', 'null', TEST_SECRET),
        signToken({ sub: '42', exp: inOneHour() }, TEST_SECRET, 'HS512'),
      ];
      const url = (path: string) => `${service.baseUrl}${API}${path}`;
      for (const token of tokens) {
        const authorization = `Bearer ${token}`;
        await fetch(url('/sessions'), { headers: { authorization } });
        await fetch(url('/sessions'), {
          method: 'POST',
          headers: {
            authorization,
            'content-type': 'application/json',
            'x-request-id': 'log-test',
          },
          body: `{"title": "${token}`,
        });
        await fetch(url(`/sessions/${token}`), {
          method: 'DELETE',
          headers: { authorization },
        });
      }
      for (let i = 0; i < 8; i += 1) {
        await fetch(url('/sessions'), {
          headers: { authorization: `Bearer ${good}` },
        });
      }
      await fetch(url('/sessions/%E0%A4%A'), {
        method: 'DELETE',
        headers: { authorization: `Bearer ${good}` },
      });

      const { output } = await service.stop('SIGTERM');
      expect(output.length).toBeGreaterThan(0);
      expect(output).not.toContain(TEST_SECRET);
      for (const token of tokens) {
        const [header, payload, signature] = token.split('.');
        expect(output).not.toContain(`${header}.${payload}`);
        if (signature) expect(output).not.toContain(signature);
      }
    } finally {
      await service.stop();
    }
  }, 120_000);
});

describe('Production start-up refuses a weak secret', () => {
  it.each([
    [
      'a short SECRET_KEY',
      { SECRET_KEY: 'short-secret-value' },
      'SECRET_KEY must be at least 32 characters',
    ],
  ])(
    '%s: exits 1 with a message naming the variable',
    async (_name, env: Record<string, string>, message) => {
      const { code, output } = await runBuiltServiceToExit({
        databaseUrl: 'postgres://postgres@127.0.0.1:1/never_used',
        extra: { NODE_ENV: 'production', PORT: '0', ...env },
      });
      expect(code).toBe(1);
      expect(output).toContain(message);
      if (env.SECRET_KEY) expect(output).not.toContain(env.SECRET_KEY);
    },
    60_000,
  );
});
