import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort, waitFor } from './free-port';

/**
 * A private `redis-server` (never the shared one) on a spare port, with a directory of
 * its own that survives restarts (cluster mode keeps its config file there), so a
 * fault test can freeze, kill and restart it. `extraArgs` go to `redis-server`, e.g.
 * `--cluster-enabled yes`.
 */
export class RedisServer {
  private process?: ChildProcess;
  readonly client: Redis;
  readonly dir = mkdtempSync(join(tmpdir(), 'test-redis-'));

  constructor(
    readonly port: number,
    private readonly extraArgs: string[] = [],
  ) {
    this.client = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 50,
    });
    this.client.on('error', () => undefined);
  }

  static async start(extraArgs: string[] = []): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), extraArgs);
    await server.boot();
    return server;
  }

  /** A server that is not running yet: its port is reserved by convention only. */
  static async reserve(extraArgs: string[] = []): Promise<RedisServer> {
    return new RedisServer(await freePort(), extraArgs);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async boot(): Promise<void> {
    this.process = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--dir',
        this.dir,
        ...this.extraArgs,
      ],
      { stdio: 'ignore' },
    );
    await waitFor(
      async () => {
        try {
          if (this.client.status === 'wait') {
            await this.client.connect();
          }
          return (await this.client.ping()) === 'PONG';
        } catch {
          return false;
        }
      },
      10_000,
      `redis-server on port ${this.port}`,
    );
  }

  /** SIGSTOP: connections stay open and nothing answers. */
  freeze(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  /** SIGKILL: the server vanishes without closing anything cleanly; `boot()` again. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
    this.process = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.boot();
  }

  /** Stops the server for good and removes its directory. */
  async close(): Promise<void> {
    this.client.disconnect();
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
