import { createServer, Server, Socket } from 'node:net';

type Mode = 'forward' | 'refuse';

/**
 * A TCP proxy in front of PostgreSQL for fault tests: it can delay traffic, cut every
 * connection and refuse new ones, or cut at the moment a given SQL text goes by.
 */
export class TcpProxy {
  private readonly server: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  private mode: Mode = 'forward';
  /** Added to every chunk in each direction. */
  latencyMs = 0;
  private cutOn?: { pattern: string; forward: boolean; fired: () => void };

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  static async start(targetHost: string, targetPort: number) {
    const proxy = new TcpProxy(targetHost, targetPort);
    await new Promise<void>((resolve) =>
      proxy.server.listen(0, '127.0.0.1', resolve),
    );
    return proxy;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** Drops every open connection and resets new ones until `restore()`. */
  cut(): void {
    this.mode = 'refuse';
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  restore(): void {
    this.mode = 'forward';
  }

  /**
   * Cuts everything the first time a client sends `pattern` (e.g. `COMMIT`), either
   * before that message reaches the server (`forward: false`) or right after.
   */
  cutWhenClientSends(pattern: string, forward: boolean): Promise<void> {
    return new Promise((fired) => {
      this.cutOn = { pattern, forward, fired };
    });
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: Socket): void {
    if (this.mode === 'refuse') {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.connect(this.targetPort, this.targetHost);
    client.on('data', (chunk) => {
      const trigger = this.cutOn;
      if (trigger && chunk.includes(trigger.pattern)) {
        this.cutOn = undefined;
        if (trigger.forward) {
          upstream.write(chunk, () =>
            setTimeout(() => this.cutAndFire(trigger.fired), 50),
          );
        } else {
          this.cutAndFire(trigger.fired);
        }
        return;
      }
      this.relay(chunk, upstream);
    });
    upstream.on('data', (chunk) => this.relay(chunk, client));
  }

  private cutAndFire(fired: () => void): void {
    this.cut();
    fired();
  }

  private relay(chunk: Buffer, to: Socket): void {
    if (this.latencyMs > 0) {
      setTimeout(() => to.writable && to.write(chunk), this.latencyMs);
    } else if (to.writable) {
      to.write(chunk);
    }
  }
}
