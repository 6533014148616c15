import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from '../scripts/build-if-stale';
import { freePort } from './helpers/free-port';
import {
  bareEnvironment,
  runServiceToExit,
  startBuiltService,
  startService,
} from './helpers/service-process';
import {
  createTestDatabase,
  TEST_POSTGRES_URL,
  TestDatabase,
} from './helpers/test-database';
import { TEST_SECRET } from './helpers/tokens';

/** Put into every URL below: it must never show up in the output. */
const PASSWORD = 'not-the-password-4711';

/** As operators run it: production (one JSON object per line), default LOG_LEVEL. */
const production = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  NODE_ENV: 'production',
  SECRET_KEY: TEST_SECRET,
  PORT: '0',
  ...extra,
});

const linesOf = (output: string) =>
  output.split('\n').filter((line) => line.trim() !== '');

/**
 * Runs the service until it gives up, and returns the one line it printed: exit code
 * 1, no stack frame, none of `secrets`.
 */
async function failedStart(
  env: NodeJS.ProcessEnv,
  secrets: string[] = [PASSWORD],
): Promise<string> {
  const { code, signal, output } = await runServiceToExit(env);
  expect({ code, signal }).toEqual({ code: 1, signal: null });
  expect(output).not.toMatch(/^\s+at /m);
  for (const secret of secrets) {
    expect(output).not.toContain(secret);
  }
  const lines = linesOf(output);
  expect(lines).toHaveLength(1);
  return lines[0];
}

/** The message of a fatal JSON log line. */
function fatal(line: string): string {
  const entry = JSON.parse(line) as { level: number; msg: string };
  expect(entry.level).toBe(60);
  return entry.msg;
}

/**
 * A start that cannot succeed prints one line naming what failed and where, and exits
 * 1: the service does not wait for PostgreSQL. Redis only caches, so an unreachable
 * Redis is one warning and the service starts without it.
 */
describe('Start-up failures: one line, no stack, no password (node dist/main.js)', () => {
  jest.setTimeout(120_000);

  let database: TestDatabase;

  beforeAll(async () => {
    ensureBuilt();
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('an invalid variable is named before anything starts', async () => {
    await expect(
      failedStart(production({ PORT: 'abc', DATABASE_URL: database.url })),
    ).resolves.toBe(
      'Invalid configuration: PORT must be an integer number (got "abc")',
    );
  });

  it('PostgreSQL not listening: host:port and "connection refused"', async () => {
    const port = await freePort();
    const line = await failedStart(
      production({
        DATABASE_URL: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/sessions`,
      }),
    );
    expect(fatal(line)).toBe(
      `Cannot connect to PostgreSQL at 127.0.0.1:${port}: connection refused (is it running there?)`,
    );
  });

  it('LOG_FORMAT=pretty: the same failure as one human-readable line', async () => {
    const port = await freePort();
    const line = await failedStart(
      production({
        DATABASE_URL: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/sessions`,
        LOG_FORMAT: 'pretty',
      }),
    );
    expect(line).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] FATAL: Cannot connect to PostgreSQL at 127\.0\.0\.1:\d+: connection refused \(is it running there\?\)$/,
    );
  });

  it('PostgreSQL accepting but never answering (DB_* variables): gives up after the 2 s connect timeout', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) =>
      silent.listen(0, '127.0.0.1', resolve),
    );
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      const line = await failedStart(
        production({
          DB_HOST: '127.0.0.1',
          DB_PORT: String(port),
          DB_USER: 'postgres',
          DB_PASS: PASSWORD,
        }),
      );
      expect(fatal(line)).toBe(
        `Cannot connect to PostgreSQL at 127.0.0.1:${port}: no answer within 2 s`,
      );
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('a database that does not exist on a real PostgreSQL: names it', async () => {
    const url = new URL(TEST_POSTGRES_URL);
    const serverPassword = url.password;
    const name = `session_test_missing_${process.pid}`;
    url.pathname = `/${name}`;
    const line = await failedStart(
      production({ DATABASE_URL: url.toString() }),
      serverPassword ? [serverPassword] : [],
    );
    expect(fatal(line)).toBe(
      `Cannot connect to PostgreSQL at ${url.hostname}:${url.port || 5432}: database "${name}" does not exist (create it, or check the name in DATABASE_URL or DB_NAME)`,
    );
  });

  // The shared PostgreSQL trusts 127.0.0.1, so it accepts any password: the embedded
  // one (scram-sha-256, its password generated) is a real server that checks it.
  it('a wrong password on a real PostgreSQL that checks it: names the user, never a password', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'session-startup-errors-'));
    chmodSync(dataDir, 0o755);
    const embedded = await startService(bareEnvironment(dataDir));
    try {
      const printed = /\((postgres:\/\/[^)]+)\)/.exec(embedded.output())![1];
      const url = new URL(printed);
      const realPassword = url.password;
      url.password = PASSWORD;
      const line = await failedStart(
        production({ DATABASE_URL: url.toString() }),
        [PASSWORD, realPassword],
      );
      expect(fatal(line)).toBe(
        `Cannot connect to PostgreSQL at 127.0.0.1:${url.port}: password authentication failed for user "postgres" (check the user and password in DATABASE_URL or DB_USER/DB_PASS)`,
      );
    } finally {
      await embedded.stop('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  // At warn: on a fresh database the start logs "Applied migration ..." (info) first.
  it('the HTTP port taken: names the address and the variable', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '0.0.0.0', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const line = await failedStart(
        production({
          DATABASE_URL: database.url,
          PORT: String(port),
          LOG_LEVEL: 'warn',
        }),
      );
      expect(fatal(line)).toBe(
        `Cannot listen on 0.0.0.0:${port}: the port is already in use (set PORT to a free one)`,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('Redis not listening: starts without the cache, says so in one warning (LOG_LEVEL=warn), and is ready', async () => {
    const redisPort = await freePort();
    const service = await startBuiltService({
      databaseUrl: database.url,
      redisUrl: `redis://127.0.0.1:${redisPort}`,
      extra: { NODE_ENV: 'production', LOG_LEVEL: 'warn' },
    });
    try {
      const ready = await fetch(`${service.baseUrl}/health/ready`);
      expect(ready.status).toBe(200);
      await expect(ready.json()).resolves.toMatchObject({
        degraded: ['cache'],
        cache: { backend: 'redis', status: 'down' },
      });
      const lines = linesOf(service.output());
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0])).toMatchObject({
        level: 40,
        context: 'Redis',
        msg: `Redis at 127.0.0.1:${redisPort} is not answering: serving from PostgreSQL until it is back`,
      });
    } finally {
      await service.stop();
    }
  });
});
