import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt } from '../../scripts/build-if-stale';
import { freePort, waitFor } from './free-port';
import { TEST_SECRET } from './tokens';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'main.js');

export interface ServiceEnv {
  databaseUrl: string;
  redisUrl?: string;
  redisKeyPrefix?: string;
  extra?: Record<string, string>;
}

/** The service as operators run it: `node dist/main.js` in a process of its own. */
export class ServiceProcess {
  private exitResult?: { code: number | null; signal: string | null };
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout?.on(
      'data',
      (chunk: Buffer) => (this.output += chunk.toString()),
    );
    child.stderr?.on(
      'data',
      (chunk: Buffer) => (this.output += chunk.toString()),
    );
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitResult = { code, signal };
        resolve(this.exitResult);
      }),
    );
  }

  static async start(env: ServiceEnv): Promise<ServiceProcess> {
    ensureBuilt();
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        PORT: String(port),
        DATABASE_URL: env.databaseUrl,
        SECRET_KEY: TEST_SECRET,
        RATE_LIMIT_PER_MINUTE: '0',
        LOG_LEVEL: 'warn',
        ...(env.redisUrl
          ? {
              REDIS_URL: env.redisUrl,
              REDIS_KEY_PREFIX: env.redisKeyPrefix ?? '',
            }
          : {}),
        ...env.extra,
      },
    });
    const service = new ServiceProcess(child, port);
    await waitFor(
      async () => {
        if (service.exitResult) {
          throw new Error(`service exited during start-up:\n${service.output}`);
        }
        try {
          const response = await fetch(`${service.url}/api/v1/sessions`, {
            signal: AbortSignal.timeout(1_000),
          });
          return response.status === 401;
        } catch {
          return false;
        }
      },
      60_000,
      `the service on port ${port}`,
      { intervalMs: 100 },
    );
    return service;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async stop(): Promise<void> {
    if (this.exitResult) {
      return;
    }
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
