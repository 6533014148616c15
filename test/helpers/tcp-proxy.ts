import { createServer, Server, Socket } from 'node:net';

type Mode = 'forward' | 'refuse' | 'frozen';

/**
 * A TCP proxy in front of a real server (PostgreSQL or Redis), so a test can break the
 * server for one application without touching the shared instance: it can delay
 * traffic (`latencyMs`), cut every connection and refuse new ones (`cut()`), keep
 * sockets open but forward nothing, like a hung server (`freeze()`), or cut at the
 * moment a given SQL text goes by (`cutWhenClientSends()`); `restore()` proxies again.
 */
export class TcpProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
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

  /** Replaces the host and port of `url` (a postgres:// or redis:// URL) with the proxy's. */
  urlFor(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  /** Drops every open connection and resets new ones until `restore()`. */
  cut(): void {
    this.mode = 'refuse';
    this.dropAll();
  }

  /** Keeps every socket open but forwards nothing, new connections included. */
  freeze(): void {
    this.mode = 'frozen';
    for (const socket of this.sockets) {
      socket.pause();
    }
  }

  /** Proxies again; connections held by `freeze()` are dropped, as they are hung. */
  restore(): void {
    if (this.mode === 'frozen') {
      this.dropAll();
    }
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

  private dropAll(): void {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    this.sockets.clear();
  }

  private accept(client: Socket): void {
    if (this.mode === 'refuse') {
      client.destroy();
      return;
    }
    if (this.mode === 'frozen') {
      this.sockets.add(client);
      client.on('error', () => undefined).pause();
      return;
    }
    const upstream = new Socket();
    this.sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
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
