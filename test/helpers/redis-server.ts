import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from './free-port';
import { ServiceProcess } from './service-process';

/**
 * A private `redis-server` (never the shared one) on a spare port, with a directory of
 * its own that survives restarts (cluster mode keeps its config file there), so a
 * fault test can freeze, kill and restart it. `extraArgs` go to `redis-server`, e.g.
 * `--cluster-enabled yes`.
 */
export class RedisServer {
  private process?: ServiceProcess;
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
      // Fault tests kill and restart the server: keep reconnecting while it lives.
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

  /** Starts the server; fails at once, saying so, when redis-server is not installed. */
  async boot(): Promise<void> {
    this.process = ServiceProcess.spawn({
      command: 'redis-server',
      args: [
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
      env: { PATH: process.env.PATH },
      cwd: this.dir,
    });
    await this.process.waitUntilReady(
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
      {
        timeoutMs: 10_000,
        what: `redis-server on port ${this.port}`,
        intervalMs: 25,
      },
    );
  }

  /** SIGSTOP: connections stay open and nothing answers. */
  freeze(): void {
    this.process?.signal('SIGSTOP');
  }

  resume(): void {
    this.process?.signal('SIGCONT');
  }

  /** SIGKILL: the server vanishes without closing anything cleanly; `boot()` again. */
  async stop(): Promise<void> {
    const server = this.process;
    if (!server || server.hasExited) {
      return;
    }
    server.signal('SIGCONT');
    await server.stop('SIGKILL');
    this.process = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.boot();
  }

  /** Stops the server for good and removes its directory. */
  async close(): Promise<void> {
    this.client.disconnect();
    try {
      await this.stop();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
