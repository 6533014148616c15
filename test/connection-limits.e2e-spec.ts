// Idle and slow connections are closed within their configured bounds, over real sockets.
import { connect, type AddressInfo, type Socket } from 'node:net';
import request from 'supertest';
import { createTestApp, TestApp } from './helpers/test-app';
import { tokenFor } from './helpers/tokens';

const HEADERS_TIMEOUT_MS = 1500;
/**
 * Longer than the headers bound and one check, so the keep-alive case also shows that a
 * connection idle between requests is not cut short by the headers bound.
 */
const KEEP_ALIVE_TIMEOUT_MS = 3000;
const REQUEST_TIMEOUT_MS = 3000;
/** Node checks header and request deadlines once a second (`connection-limits.ts`). */
const CHECK_INTERVAL_MS = 1000;
/** Node keeps an idle keep-alive socket open this much past `keepAliveTimeout`. */
const KEEP_ALIVE_BUFFER_MS = 1000;
/** Room for a loaded machine; the bounds under test are far below the old 60–90 s. */
const SLACK_MS = 1500;
/** Timers and the kernel may fire a few milliseconds early relative to the client. */
const EARLY_MS = 100;

const REQUEST_TIMEOUT_LINE = /^HTTP\/1\.1 408 Request Timeout\r\n/;

interface Connection {
  socket: Socket;
  openedAt: number;
  /** When the first byte of an answer arrived. */
  firstByteAt?: number;
  received: string;
  /** Resolves with the time the server closed the connection. */
  closed: Promise<number>;
}

function open(port: number): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const connection: Connection = {
      socket,
      openedAt: 0,
      received: '',
      closed: new Promise((closed) =>
        socket.once('close', () => closed(Date.now())),
      ),
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      connection.firstByteAt ??= Date.now();
      connection.received += chunk;
    });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      // A reset after the server's 408 is part of the close, not a failure.
      socket.on('error', () => undefined);
      connection.openedAt = Date.now();
      resolve(connection);
    });
  });
}

/** How many whole answers (head and Content-Length body) a connection has received. */
function completeAnswers(received: string): number {
  let count = 0;
  let rest = received;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) {
      return count;
    }
    const length = Number(
      /\r\ncontent-length: (\d+)/i.exec(rest.slice(0, headEnd))?.[1] ?? 0,
    );
    if (rest.length < headEnd + 4 + length) {
      return count;
    }
    count += 1;
    rest = rest.slice(headEnd + 4 + length);
  }
}

async function answered(connection: Connection, count: number): Promise<void> {
  while (completeAnswers(connection.received) < count) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Writes `text` one byte every `everyMs`; returns how many bytes went out. */
function trickle(socket: Socket, text: string, everyMs: number): () => number {
  let sent = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || sent === text.length) {
      clearInterval(timer);
      return;
    }
    socket.write(text[sent++]);
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
  return () => sent;
}

/** Closed once `boundMs` had passed, and at most `lateByUpTo` (plus slack) after it. */
function expectWithinBound(
  elapsedMs: number,
  boundMs: number,
  lateByUpTo: number,
): void {
  expect(elapsedMs).toBeGreaterThanOrEqual(boundMs - EARLY_MS);
  expect(elapsedMs).toBeLessThan(boundMs + lateByUpTo + SLACK_MS);
}

/** The server answered 408 and closed the connection at the first check past `boundMs`. */
async function expectRequestTimeout(
  connection: Connection,
  boundMs: number,
): Promise<void> {
  const lifetime = (await connection.closed) - connection.openedAt;
  expect(connection.received).toMatch(REQUEST_TIMEOUT_LINE);
  expect(connection.received).toMatch(
    /\r\ncontent-type: application\/problem\+json\r\n[\s\S]*\r\n\r\n\{"type":"about:blank","title":"Request Timeout","status":408,"detail":"The request did not arrive in time"\}$/,
  );
  expectWithinBound(lifetime, boundMs, CHECK_INTERVAL_MS);
}

describe('connection limits (HTTP_*_TIMEOUT_MS)', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
        HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      },
    });
    await t.app.listen(0, '127.0.0.1');
    port = (t.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t?.close();
  });

  afterEach(async () => {
    // The invariant behind every case: whatever was cut off, the server still serves.
    await request(t.server).get('/health/live').expect(200);
  });

  it('answers 408 and closes a connection that never sends a byte, within the headers bound', async () => {
    await expectRequestTimeout(await open(port), HEADERS_TIMEOUT_MS);
  });

  it('closes 100 never-used connections within the bound while serving a normal request', async () => {
    const idle = await Promise.all(
      Array.from({ length: 100 }, () => open(port)),
    );
    const served = await request(t.server).get('/health/live');
    expect(served.status).toBe(200);
    const openedAt = Math.min(...idle.map((c) => c.openedAt));
    const closedAt = Math.max(
      ...(await Promise.all(idle.map((c) => c.closed))),
    );
    expect(closedAt - openedAt).toBeLessThan(
      HEADERS_TIMEOUT_MS + CHECK_INTERVAL_MS + SLACK_MS,
    );
  });

  it('closes a keep-alive connection left idle after its response, after the keep-alive bound', async () => {
    const client = await open(port);
    client.socket.write(
      'GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n',
    );
    const closedAt = await client.closed;
    expect(client.received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(client.received).toContain(
      `\r\nKeep-Alive: timeout=${KEEP_ALIVE_TIMEOUT_MS / 1000}\r\n`,
    );
    expectWithinBound(
      closedAt - client.firstByteAt!,
      KEEP_ALIVE_TIMEOUT_MS,
      KEEP_ALIVE_BUFFER_MS,
    );
  });

  it('answers 408 to headers sent one byte every 200 ms, within the headers bound', async () => {
    const client = await open(port);
    const headers = `GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'x'.repeat(60)}\r\n\r\n`;
    const sent = trickle(client.socket, headers, 200);
    await expectRequestTimeout(client, HEADERS_TIMEOUT_MS);
    expect(sent()).toBeLessThan(headers.length);
  });

  it('answers 408 to a body sent one byte every 200 ms, within the request bound', async () => {
    const client = await open(port);
    const body = JSON.stringify({ title: 'x'.repeat(200) });
    client.socket.write(
      [
        'POST /api/v1/sessions HTTP/1.1',
        'Host: localhost',
        `Authorization: Bearer ${tokenFor(1)}`,
        'Content-Type: application/json',
        `Content-Length: ${body.length}`,
        '',
        '',
      ].join('\r\n'),
    );
    const sent = trickle(client.socket, body, 200);
    await expectRequestTimeout(client, REQUEST_TIMEOUT_MS);
    expect(sent()).toBeLessThan(body.length);
  });

  it('answers headers over the size limit with a 431 problem and closes', async () => {
    const client = await open(port);
    client.socket.write(
      `GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'x'.repeat(20_000)}\r\n\r\n`,
    );
    await client.closed;
    expect(client.received).toMatch(/^HTTP\/1\.1 431 /);
    expect(client.received).toContain(
      '\r\ncontent-type: application/problem+json\r\n',
    );
    expect(client.received).toContain('"status":431');
  });

  it('serves requests one after another on a kept-alive connection', async () => {
    const client = await open(port);
    const ask = 'GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n';
    for (const answers of [1, 2]) {
      client.socket.write(ask);
      await answered(client, answers);
    }
    expect(client.received.match(/HTTP\/1\.1 200 OK\r\n/g)).toHaveLength(2);
    expect(client.socket.destroyed).toBe(false);
    client.socket.destroy();
    await client.closed;
  });
});
