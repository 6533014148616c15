import { ChildProcess, spawn } from 'node:child_process';
import Redis from 'ioredis';
import { freePort, waitFor } from './free-port';

/**
 * A `redis-server` of the test's own on a spare port, so a fault test can freeze,
 * stop and restart it without touching the shared Redis.
 */
export class RedisServer {
  private process?: ChildProcess;
  readonly client: Redis;

  private constructor(readonly port: number) {
    this.client = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 50,
    });
    this.client.on('error', () => undefined);
  }

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.boot();
    return server;
  }

  /** A server that is not running yet: its port is reserved by convention only. */
  static async reserve(): Promise<RedisServer> {
    return new RedisServer(await freePort());
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

  async close(): Promise<void> {
    this.client.disconnect();
    await this.stop();
  }
}
