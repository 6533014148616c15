import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from './helpers/test-database';
import {
  inOneHour,
  signRawToken,
  signToken,
  TEST_SECRET,
  tokenFor,
  unsignedToken,
} from './helpers/tokens';
import { freePort } from '../src/common/free-port';

const ROOT = join(__dirname, '..');

/** The real entry point in a child process, so whatever logger is in place writes to its stdout/stderr. */
function startService(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  let output = '';
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', 'src/main.ts'],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        TS_NODE_TRANSPILE_ONLY: 'true',
        TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => resolve(code)),
  );
  return { child, output: () => output, exited };
}

async function waitUntilListening(
  port: number,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/docs-json`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`service did not start:\n${output()}`);
}

describe('Logs never contain tokens or the secret', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('after good and bad tokens, hostile bodies and a failure, the output holds no credential', async () => {
    const port = await freePort();
    const service = startService({
      NODE_ENV: 'test',
      PORT: String(port),
      DATABASE_URL: database.url,
      SECRET_KEY: TEST_SECRET,
      LOG_LEVEL: 'trace',
      RATE_LIMIT_PER_MINUTE: '5',
    });
    try {
      await waitUntilListening(port, service.output);
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
      const url = (path: string) => `http://127.0.0.1:${port}/api/v1${path}`;
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

      service.child.kill('SIGTERM');
      await service.exited;
      const output = service.output();
      expect(output.length).toBeGreaterThan(0);
      expect(output).not.toContain(TEST_SECRET);
      for (const token of tokens) {
        const [header, payload, signature] = token.split('.');
        expect(output).not.toContain(`${header}.${payload}`);
        if (signature) expect(output).not.toContain(signature);
      }
    } finally {
      service.child.kill('SIGKILL');
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
      const service = startService({
        NODE_ENV: 'production',
        PORT: String(await freePort()),
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/never_used',
        ...env,
      });
      const code = await service.exited;
      expect(code).toBe(1);
      expect(service.output()).toContain(message);
      if (env.SECRET_KEY)
        expect(service.output()).not.toContain(env.SECRET_KEY);
    },
    60_000,
  );
});
