import { createServer, Server, Socket, connect } from 'node:net';

type Mode = 'open' | 'cut' | 'frozen';

/**
 * A TCP proxy in front of a real server, so a test can take the server "down" for one
 * application without touching the shared instance: `cut()` drops every connection and
 * refuses new ones; `freeze()` keeps sockets open but forwards nothing (a hung
 * server); `restore()` proxies again.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private mode: Mode = 'open';
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) =>
      this.server!.listen(0, '127.0.0.1', resolve),
    );
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  cut(): void {
    this.mode = 'cut';
    this.dropAll();
  }

  freeze(): void {
    this.mode = 'frozen';
    for (const socket of this.sockets) {
      socket.unpipe();
      socket.pause();
    }
  }

  restore(): void {
    this.mode = 'open';
    this.dropAll();
  }

  private dropAll(): void {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode === 'cut') {
      client.destroy();
      return;
    }
    if (this.mode === 'frozen') {
      this.sockets.add(client);
      client.on('error', () => undefined).pause();
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    this.sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  }
}
