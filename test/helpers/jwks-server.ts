// A local JWKS endpoint for the tests: serves the keys it is given, counts fetches, can be slowed or stopped.
import type { JWK } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class JwksServer {
  /** Served as `{"keys": [...]}` unless `body` replaces the whole response body. */
  keys: JWK[] = [];
  body?: string;
  /** How long each answer waits. */
  delayMs = 0;
  /** GET requests received so far. */
  fetches = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: Server;
  url = '';

  private constructor() {
    this.server = createServer((request, response) => {
      this.fetches += 1;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(this.body ?? JSON.stringify({ keys: this.keys }));
      }, this.delayMs);
      this.timers.add(timer);
    });
  }

  static async start(keys: JWK[] = []): Promise<JwksServer> {
    const jwks = new JwksServer();
    jwks.keys = keys;
    await new Promise<void>((resolve) =>
      jwks.server.listen(0, '127.0.0.1', resolve),
    );
    const { port } = jwks.server.address() as AddressInfo;
    jwks.url = `http://127.0.0.1:${port}/.well-known/jwks.json`;
    return jwks;
  }

  /** Takes the endpoint down: open connections are cut, new ones refused. */
  async stop(): Promise<void> {
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
    this.server.closeAllConnections();
    if (this.server.listening) {
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
  }
}
