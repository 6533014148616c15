import {
  existsSync,
  mkdtempSync,
  readFileSync,
  chmodSync,
  rmdirSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isRunning } from '../src/database/embedded/process-status';
import {
  bareEnvironment,
  mintToken,
  runServiceToExit,
  StartedService,
  startService,
} from './helpers/service-process';
import { SESSIONS } from './helpers/constants';

/** The pid in the embedded PostgreSQL's lock file, if it has one. */
function postmasterPid(dataDir: string): number | undefined {
  try {
    return Number(
      readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split(
        '\n',
      )[0],
    );
  } catch {
    return undefined;
  }
}

/**
 * `npm start` with nothing configured, as real processes: the embedded PostgreSQL is
 * created, survives restarts, stops with the service, is recovered after a SIGKILL and
 * is never shared by two copies.
 */
describe('npm start with nothing configured (embedded PostgreSQL)', () => {
  jest.setTimeout(240_000);

  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  const running = new Set<StartedService>();

  const start = async (serviceEnv = env) => {
    const service = await startService(serviceEnv);
    running.add(service);
    void service.exited.then(() => running.delete(service));
    return service;
  };

  const call = (
    service: StartedService,
    path: string,
    init: RequestInit & { token?: string } = {},
  ) =>
    fetch(`${service.baseUrl}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${init.token ?? service.token}`,
        'content-type': 'application/json',
      },
    });

  const titles = async (service: StartedService) => {
    const response = await call(service, SESSIONS);
    expect(response.status).toBe(200);
    return ((await response.json()) as Array<{ title: string }>).map(
      (session) => session.title,
    );
  };

  /** The service has exited; PostgreSQL shut down cleanly and left no lock behind. */
  const expectStoppedCleanly = (pid: number, dir = dataDir, home = dir) => {
    expect(isRunning(pid)).toBe(false);
    expect(postmasterPid(home)).toBeUndefined();
    expect(existsSync(join(dir, 'service.pid'))).toBe(false);
    expect(readFileSync(join(home, 'postgres.log'), 'utf8')).toContain(
      'database system is shut down',
    );
  };

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'session-start-test-'));
    chmodSync(dataDir, 0o755);
    env = bareEnvironment(dataDir);
  });

  afterAll(async () => {
    await Promise.all([...running].map((service) => service.stop('SIGKILL')));
    const pid = postmasterPid(dataDir);
    if (pid && isRunning(pid)) {
      process.kill(pid, 'SIGQUIT');
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts from an empty data directory, serves /docs and answers the printed token; SIGTERM stops the database', async () => {
    const service = await start();
    expect(service.output()).toContain(`${service.baseUrl}/docs`);
    expect(service.output()).toContain('npm run token -- <user_id>');
    expect(existsSync(join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);

    expect((await fetch(`${service.baseUrl}/docs`)).status).toBe(200);
    const created = await call(service, SESSIONS, {
      method: 'POST',
      body: JSON.stringify({ title: 'kept across restarts' }),
    });
    expect(created.status).toBe(201);
    await expect(titles(service)).resolves.toEqual(['kept across restarts']);

    const pid = postmasterPid(dataDir)!;
    expect(isRunning(pid)).toBe(true);
    await service.stop('SIGTERM');
    expectStoppedCleanly(pid);
  });

  it('keeps the data across a restart and accepts tokens from npm run token', async () => {
    const service = await start();
    await expect(titles(service)).resolves.toEqual(['kept across restarts']);

    const token = await mintToken(env, 7);
    const created = await call(service, SESSIONS, {
      method: 'POST',
      token,
      body: JSON.stringify({ title: 'user seven' }),
    });
    expect(created.status).toBe(201);
    await expect(created.json()).resolves.toMatchObject({ user_id: 7 });
  });

  it('refuses a second copy on the same data directory at once, with a clear message', async () => {
    const [first] = [...running];
    const second = await runServiceToExit(env);

    expect(second.code).toBe(1);
    expect(second.output).toMatch(
      /Another copy of the service \(pid \d+\) is already running on the data directory/,
    );
    expect(second.output).toContain(dataDir);
    expect(second.output).toContain('DATA_DIR');
    await expect(titles(first)).resolves.toEqual(['kept across restarts']);
  });

  it('stops the database cleanly on SIGINT (Ctrl-C)', async () => {
    const [service] = [...running];
    const pid = postmasterPid(dataDir)!;
    await service.stop('SIGINT');
    expectStoppedCleanly(pid);
  });

  it('after a SIGKILL, the next start stops the orphaned database and starts normally', async () => {
    const killed = await start();
    const orphan = postmasterPid(dataDir)!;
    await killed.stop('SIGKILL');
    expect(isRunning(orphan)).toBe(true);

    const service = await start();
    expect(service.output()).toContain(
      `Stopping the embedded PostgreSQL (pid ${orphan}) left running by an earlier run`,
    );
    expect(isRunning(orphan)).toBe(false);
    await expect(titles(service)).resolves.toEqual(['kept across restarts']);

    const pid = postmasterPid(dataDir)!;
    await service.stop('SIGTERM');
    expectStoppedCleanly(pid);
  });

  it('after the service and its database are both killed, the next start recovers from the stale lock files', async () => {
    const killed = await start();
    const postmaster = postmasterPid(dataDir)!;
    await killed.stop('SIGKILL');
    process.kill(postmaster, 'SIGKILL');
    while (isRunning(postmaster)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(existsSync(join(dataDir, 'service.pid'))).toBe(true);
    expect(postmasterPid(dataDir)).toBe(postmaster);

    const service = await start();
    await expect(titles(service)).resolves.toEqual(['kept across restarts']);
    await service.stop('SIGTERM');
  });

  it('refuses the embedded database when NODE_ENV=production, saying what to set', async () => {
    const productionDir = mkdtempSync(join(tmpdir(), 'session-prod-test-'));
    try {
      const refused = await runServiceToExit(
        bareEnvironment(productionDir, {
          NODE_ENV: 'production',
          SECRET_KEY: 'a-production-secret-of-at-least-32-chars',
        }),
      );
      expect(refused.code).toBe(1);
      expect(refused.output).toContain(
        'DATABASE_URL is required when NODE_ENV=production',
      );
      expect(refused.output).toContain('DB_HOST');
      expect(existsSync(join(productionDir, 'postgres'))).toBe(false);
    } finally {
      rmSync(productionDir, { recursive: true, force: true });
    }
  });

  it('starts from a DATA_DIR inside a private (0700) directory and keeps its data across a Ctrl-C and a restart', async () => {
    const privateHome = mkdtempSync(join(tmpdir(), 'session-private-home-'));
    const privateDir = join(privateHome, 'data');
    const privateEnv = bareEnvironment(privateDir);
    let home = privateDir;
    try {
      const first = await start(privateEnv);
      home = /data in (\S+) \(postgres:/.exec(first.output())![1];
      if (process.getuid?.() === 0) {
        // The postgres user the server runs as cannot enter a 0700 directory of root's.
        expect(home).toMatch(
          /^\/var\/lib\/session-service\/session-private-home-\w+-data-[0-9a-f]{12}$/,
        );
        expect(existsSync(join(privateDir, 'postgres'))).toBe(false);
      } else {
        expect(home).toBe(privateDir);
      }
      expect(existsSync(join(home, 'postgres', 'PG_VERSION'))).toBe(true);
      const created = await call(first, SESSIONS, {
        method: 'POST',
        body: JSON.stringify({ title: 'kept in a private home' }),
      });
      expect(created.status).toBe(201);
      const pid = postmasterPid(home)!;
      await first.stop('SIGINT');
      expectStoppedCleanly(pid, privateDir, home);

      const second = await start(privateEnv);
      expect(second.output()).toContain(`data in ${home} (`);
      await expect(titles(second)).resolves.toEqual(['kept in a private home']);
      await second.stop('SIGINT');
    } finally {
      const pid = postmasterPid(home);
      if (pid && isRunning(pid)) {
        process.kill(pid, 'SIGQUIT');
      }
      rmSync(privateHome, { recursive: true, force: true });
      if (home !== privateDir) {
        rmSync(home, { recursive: true, force: true });
        try {
          rmdirSync(dirname(home));
        } catch {
          // Not empty: something else (a copy of the binaries) lives there too.
        }
      }
    }
  });
});
