// Runs the service (or any server) as a child process: its output, its exit, a readiness
// wait and a stop; plus the two ways the suites start the service (built, and `npm start`).
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt } from '../../scripts/build-if-stale';
import { apiClient, type ApiClient } from './api-client';
import { SESSIONS } from './constants';
import { freePort, waitFor } from './free-port';
import { TEST_SECRET } from './tokens';

export const REPO_ROOT = join(__dirname, '..', '..');

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

export interface SpawnOptions {
  /** The program; this Node.js when unset. */
  command?: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where it will listen on 127.0.0.1, when that is chosen before it starts. */
  port?: number;
  /** Another user to run as (only root may ask). */
  account?: { uid: number; gid: number };
}

export interface ReadyOptions {
  timeoutMs: number;
  /** What is awaited, for the error message. */
  what: string;
  intervalMs?: number;
}

/** A child process with everything it writes (stdout and stderr, interleaved). */
export class ServiceProcess {
  readonly exited: Promise<ProcessExit>;
  /** `http://127.0.0.1:<port>`, or what the process said it listens on. */
  baseUrl: string;
  /** Milliseconds from spawn until `waitUntilReady` saw it ready. */
  readyMs?: number;
  private exit?: ProcessExit;
  private text = '';
  private readonly startedAt = performance.now();

  private constructor(
    readonly child: ChildProcess,
    readonly command: string,
    port?: number,
  ) {
    this.baseUrl = port === undefined ? '' : `http://127.0.0.1:${port}`;
    const append = (chunk: Buffer) => (this.text += chunk.toString());
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = new Promise((resolve) => {
      // A program that cannot be started (not installed) fails at once, with a message.
      child.once('error', (error) => {
        this.text += `Cannot run ${command}: ${error.message}\n`;
        this.exit = { code: null, signal: null, output: this.text };
        resolve(this.exit);
      });
      child.once('exit', (code, signal) => {
        this.exit = { code, signal, output: this.text };
        resolve(this.exit);
      });
    });
  }

  static spawn({
    command = process.execPath,
    args,
    env,
    cwd = REPO_ROOT,
    port,
    account,
  }: SpawnOptions): ServiceProcess {
    const child = spawn(command, args, {
      ...account,
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServiceProcess(child, command, port);
  }

  /** Runs a program to its end. */
  static run(options: SpawnOptions): Promise<ProcessExit> {
    return ServiceProcess.spawn(options).exited;
  }

  get port(): number {
    return Number(new URL(this.baseUrl).port);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  output(): string {
    return this.text;
  }

  /**
   * Resolves once `isReady` holds; rejects with the output when the process exits first,
   * or kills it and rejects after `timeoutMs`.
   */
  async waitUntilReady(
    isReady: () => Promise<boolean> | boolean,
    { timeoutMs, what, intervalMs = 100 }: ReadyOptions,
  ): Promise<this> {
    try {
      await waitFor(
        async () => {
          if (this.exit) {
            throw new Error(`${this.command} exited before ${what}`);
          }
          return isReady();
        },
        timeoutMs,
        what,
        { intervalMs },
      );
    } catch (error) {
      await this.stop('SIGKILL');
      throw new Error(`${(error as Error).message}:\n${this.text}`);
    }
    this.readyMs = performance.now() - this.startedAt;
    return this;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Sends `signal` and waits for the exit; SIGKILL after `killAfterMs` if it lingers. */
  async stop(
    signal: NodeJS.Signals = 'SIGKILL',
    killAfterMs = 10_000,
  ): Promise<ProcessExit> {
    if (this.exit) {
      return this.exit;
    }
    const killer = setTimeout(() => this.child.kill('SIGKILL'), killAfterMs);
    this.child.kill(signal);
    try {
      return await this.exited;
    } finally {
      clearTimeout(killer);
    }
  }
}

/** The status `url` answers with, or `undefined` while nothing answers. */
export async function httpStatus(
  url: string,
  headers: Record<string, string> = {},
): Promise<number | undefined> {
  try {
    const response = await fetch(url, {
      headers,
      signal: AbortSignal.timeout(1_000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}

export interface ServiceEnv {
  databaseUrl: string;
  redisUrl?: string;
  redisKeyPrefix?: string;
  /** Added last: overrides NODE_ENV, LOG_LEVEL and the rest. */
  extra?: Record<string, string>;
}

/** The service's environment in the e2e suites: a test secret, no rate limit, warnings only. */
export function serviceEnvironment(env: ServiceEnv): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    DATABASE_URL: env.databaseUrl,
    SECRET_KEY: TEST_SECRET,
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
    ...(env.redisUrl
      ? { REDIS_URL: env.redisUrl, REDIS_KEY_PREFIX: env.redisKeyPrefix ?? '' }
      : {}),
    ...env.extra,
  };
}

const MAIN = join(REPO_ROOT, 'dist', 'main.js');

/** Runs `node dist/main.js` (built first if stale) with `env` to its end: a refused start. */
export function runBuiltServiceToExit(env: ServiceEnv): Promise<ProcessExit> {
  ensureBuilt();
  return ServiceProcess.run({ args: [MAIN], env: serviceEnvironment(env) });
}

/**
 * The service as operators run it, `node dist/main.js` (built first if stale), on a free
 * port; resolves once the API answers (401 without a token).
 */
export async function startBuiltService(
  env: ServiceEnv,
): Promise<ServiceProcess> {
  ensureBuilt();
  const port = await freePort();
  const service = ServiceProcess.spawn({
    args: [MAIN],
    env: { ...serviceEnvironment(env), PORT: String(port) },
    port,
  });
  return service.waitUntilReady(
    async () => (await httpStatus(`${service.baseUrl}${SESSIONS}`)) === 401,
    { timeoutMs: 60_000, what: `the service on port ${port} to answer` },
  );
}

/**
 * `count` copies of the built service on one environment (read when they start) for the
 * `describe` block around the call, each with a client; stopped after the block.
 */
export function useServiceInstances(
  count: number,
  env: () => ServiceEnv,
  { clientTimeoutMs = 10_000 } = {},
): { instances: ServiceProcess[]; clients: ApiClient[] } {
  const running = {
    instances: [] as ServiceProcess[],
    clients: [] as ApiClient[],
  };
  beforeAll(async () => {
    const shared = env();
    const started = await Promise.allSettled(
      Array.from({ length: count }, () => startBuiltService(shared)),
    );
    for (const result of started) {
      if (result.status === 'fulfilled') {
        running.instances.push(result.value);
        running.clients.push(apiClient(result.value.baseUrl, clientTimeoutMs));
      }
    }
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) {
      throw failed.reason;
    }
  }, 180_000);
  afterAll(async () => {
    await Promise.all(running.instances.map((instance) => instance.stop()));
  });
  return running;
}

/**
 * The environment of a developer who configured nothing: no database, no Redis, no
 * secret; only where the data goes and a free port.
 */
export function bareEnvironment(
  dataDir: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    // Empty (= unset) rather than absent, so a developer's .env cannot fill them in.
    DATABASE_URL: '',
    DB_HOST: '',
    REDIS_URL: '',
    REDIS_HOST: '',
    SECRET_KEY: '',
    DATA_DIR: dataDir,
    PORT: '0',
    ...extra,
  };
}

const START = ['scripts/start.js'];

/** A copy of the service started as `npm start` starts it, with the token it printed. */
export type StartedService = ServiceProcess & { token: string };

/** Runs `node scripts/start.js` (what `npm start` runs) and resolves once it listens. */
export async function startService(
  env: NodeJS.ProcessEnv,
  timeoutMs = 180_000,
): Promise<StartedService> {
  const service = ServiceProcess.spawn({ args: START, env });
  let token = '';
  await service.waitUntilReady(
    () => {
      const text = service.output();
      const listening = /Session service listening on (http:\S+)/.exec(text);
      const printed = /Token for user 1[^\n]*\n\s*(\S+)/.exec(text);
      service.baseUrl = listening?.[1] ?? '';
      token = printed?.[1] ?? '';
      return Boolean(listening && printed);
    },
    { timeoutMs, what: 'the service to listen' },
  );
  return Object.assign(service, { token });
}

/** Runs `npm start` expecting it to stop by itself (a refused start). */
export function runServiceToExit(env: NodeJS.ProcessEnv): Promise<ProcessExit> {
  return ServiceProcess.run({ args: START, env });
}

/** Runs `npm run token -- <userId>`, as the start banner tells developers to. */
export async function mintToken(
  env: NodeJS.ProcessEnv,
  userId: number,
): Promise<string> {
  const { code, output } = await ServiceProcess.run({
    command: 'npm',
    args: ['run', '--silent', 'token', '--', String(userId)],
    env,
  });
  if (code !== 0) {
    throw new Error(`npm run token failed:\n${output}`);
  }
  return output.trim().split('\n').pop()!;
}
