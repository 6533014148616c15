import { randomUUID } from 'node:crypto';
import { apiClient } from './helpers/api-client';
import { acceptsConnections, sleep, waitFor } from './helpers/free-port';
import { ServiceProcess, startBuiltService } from './helpers/service-process';
import { TcpProxy } from './helpers/tcp-proxy';
import {
  createTestDatabase,
  TestDatabase,
  TEST_POSTGRES_URL,
} from './helpers/test-database';
import { TEST_REDIS_URL } from './helpers/test-redis';
import { queryDatabase } from './helpers/test-database';

jest.setTimeout(180_000);

describe('Shutdown on SIGTERM', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    const server = new URL(TEST_POSTGRES_URL);
    proxy = await TcpProxy.start(server.hostname, Number(server.port || 5432));
  });
  afterAll(async () => {
    await service?.stop();
    await proxy?.close();
    await database?.drop();
  });

  it('under load: in-flight requests complete, new connections are refused, exit 0 within 10 s', async () => {
    const viaProxy = new URL(database.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    service = await startBuiltService({
      databaseUrl: viaProxy.toString(),
      redisUrl: TEST_REDIS_URL,
      redisKeyPrefix: `test:shutdown:${randomUUID().slice(0, 8)}:`,
    });
    const api = apiClient(service.baseUrl, 30_000);
    // Slow PostgreSQL down so the writes are certainly still running at SIGTERM.
    proxy.latencyMs = 150;
    const inFlight = Array.from({ length: 8 }, (_, i) =>
      api.create(1 + i, `in flight ${i}`),
    );
    // Long enough for every write to reach the server on a busy machine, too short for
    // them to finish (each is about ten round trips through the slow proxy).
    await sleep(700);
    const done = await queryDatabase(database.url, 'SELECT id FROM sessions');
    expect(done).toEqual([]);
    const signalledAt = Date.now();
    service.signal('SIGTERM');
    let settled = false;
    const finished = Promise.all(inFlight).then((results) => {
      settled = true;
      return results;
    });
    await waitFor(
      async () => !(await acceptsConnections(service!.port)),
      5_000,
      'new connections to be refused',
    );
    expect(settled).toBe(false);

    const results = await finished;
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    const exit = await service.exited;
    const exitedInMs = Date.now() - signalledAt;
    console.log(
      `[figures] SIGTERM with 8 writes in flight: exit ${exit.code} after ${exitedInMs} ms`,
    );
    expect({ code: exit.code, signal: exit.signal }).toEqual({
      code: 0,
      signal: null,
    });
    expect(exitedInMs).toBeLessThan(10_000);
    const rows = await queryDatabase(database.url, 'SELECT id FROM sessions');
    expect(rows).toHaveLength(8);
  });
});
