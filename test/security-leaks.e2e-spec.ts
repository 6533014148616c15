import { Client } from 'pg';
import request from 'supertest';
import { SessionsService } from '../src/sessions/sessions.service';
import { TcpProxy } from './helpers/tcp-proxy';
import { useTestApp } from './helpers/test-app';
import {
  createTestDatabase,
  queryDatabase,
  TestDatabase,
  TEST_POSTGRES_URL,
} from './helpers/test-database';
import { bearer } from './helpers/tokens';
import { API, PROBLEM_JSON } from './helpers/constants';

/** What must never reach a client: SQL, stack frames, paths, driver and ORM messages. */
const LEAKS: RegExp[] = [
  /\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|pg_advisory\w*|RETURNING)\b/,
  /\bat .+:\d+:\d+/,
  /\/(work|home|root|usr|app|src|node_modules)\//,
  /\.(ts|js):\d+/,
  /\b(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT)\b/,
  /Connection terminated|canceling statement|statement timeout|terminating connection/i,
  /QueryFailedError|TypeORM|node-postgres|\bpg\b|SQLSTATE|duplicate key|violates/i,
  /\b(UQ|IDX|PK|FK)_\w+/,
  /sessions_pkey|user_id_title/,
  /\b127\.0\.0\.1\b|\blocalhost:\d+/,
];

function expectNoLeak(response: request.Response, extra: string[] = []) {
  const headers = JSON.stringify(response.headers);
  for (const text of [response.text ?? '', headers]) {
    for (const pattern of LEAKS) {
      expect(text).not.toMatch(pattern);
    }
    for (const name of extra) {
      expect(text).not.toContain(name);
    }
  }
}

function expectSecurityHeaders(response: request.Response) {
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
  expect(response.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  expect(response.headers['content-security-policy']).toContain(
    "default-src 'self'",
  );
  expect(response.headers['referrer-policy']).toBe('no-referrer');
  expect(response.headers['cross-origin-resource-policy']).toBe('same-origin');
  expect(response.headers).not.toHaveProperty('x-powered-by');
  expect(response.headers).not.toHaveProperty('server');
}

describe('Nothing leaks when PostgreSQL fails', () => {
  let proxy: TcpProxy;
  let database: TestDatabase;
  let constraintNames: string[];

  beforeAll(async () => {
    const target = new URL(TEST_POSTGRES_URL);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    database = await createTestDatabase();
  });
  const t = useTestApp(() => ({
    env: { DATABASE_URL: proxy.urlFor(database.url), DB_POOL_SIZE: '2' },
  }));
  beforeAll(async () => {
    const rows = await queryDatabase<{ name: string }>(
      database.url,
      `SELECT conname AS name FROM pg_constraint WHERE conrelid = 'sessions'::regclass
       UNION SELECT indexname FROM pg_indexes WHERE tablename = 'sessions'`,
    );
    constraintNames = rows.map((row) => row.name);
    expect(constraintNames.length).toBeGreaterThanOrEqual(2);
  });
  afterAll(async () => {
    await proxy?.close();
    await database?.drop();
  });

  const everyRoute = (auth = bearer(1)) => [
    request(t.server).get(`${API}/sessions`).set(auth),
    request(t.server).get(`${API}/sessions/active`).set(auth),
    request(t.server).post(`${API}/sessions`).set(auth).send({ title: 'new' }),
    request(t.server).post(`${API}/sessions/active/old`).set(auth),
    request(t.server).post(`${API}/sessions/deactivate`).set(auth),
    request(t.server)
      .patch(`${API}/sessions/old`)
      .set(auth)
      .send({ title: 'x' }),
    request(t.server).delete(`${API}/sessions/old`).set(auth),
  ];

  it('constraint violations answer domain problems without naming the constraint', async () => {
    const auth = bearer(7);
    await request(t.server)
      .post(`${API}/sessions`)
      .set(auth)
      .send({ title: 'dup' });
    const duplicate = await request(t.server)
      .post(`${API}/sessions`)
      .set(auth)
      .send({ title: 'dup' });
    expect(duplicate.status).toBe(409);
    expectNoLeak(duplicate, constraintNames);
  });

  it('a cut connection answers 503 problems with no internal detail', async () => {
    await request(t.server)
      .post(`${API}/sessions`)
      .set(bearer(1))
      .send({ title: 'old' });
    proxy.cut();
    try {
      for (const call of everyRoute(bearer(2))) {
        const response = await call;
        expect(response.status).toBe(503);
        expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
        expect(response.headers['retry-after']).toBeDefined();
        expectSecurityHeaders(response);
        expectNoLeak(response, [
          ...constraintNames,
          database.name,
          String(proxy.port),
        ]);
      }
    } finally {
      proxy.restore();
    }
  });

  it('a statement timeout answers a 503 problem with no internal detail', async () => {
    // Warm the pool again after the cut.
    for (let i = 0; i < 10; i += 1) {
      const response = await request(t.server)
        .get(`${API}/sessions`)
        .set(bearer(3));
      if (response.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const locker = new Client({ connectionString: database.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE');
      const response = await request(t.server)
        .post(`${API}/sessions`)
        .set(bearer(3))
        .send({ title: 'blocked' });
      expect(response.status).toBe(503);
      expectNoLeak(response, [...constraintNames, database.name]);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  }, 30_000);
});

describe('Unexpected errors, headers and CORS', () => {
  const ORIGIN = 'https://app.example.com';
  const t = useTestApp();
  const cors = useTestApp({
    env: { CORS_ORIGINS: `${ORIGIN}, https://admin.example.com` },
    overrides: [
      {
        provide: SessionsService,
        useValue: {
          list: () => {
            throw new Error(
              'SELECT * FROM sessions failed at /work/src/sessions/sessions.service.ts:12:3',
            );
          },
        },
      },
    ],
  });

  it('an unexpected error is a generic 500 problem', async () => {
    const response = await request(cors.server)
      .get(`${API}/sessions`)
      .set(bearer(1));
    expect(response.status).toBe(500);
    expect(response.body.detail).toBe(
      'An unexpected error occurred; it has been logged',
    );
    expectNoLeak(response);
    expectSecurityHeaders(response);
  });

  it('security headers on every kind of response; no-store on the API', async () => {
    const auth = bearer(1);
    await request(t.server)
      .post(`${API}/sessions`)
      .set(auth)
      .send({ title: 'a' });
    const responses = await Promise.all([
      request(t.server).get(`${API}/sessions`).set(auth),
      request(t.server).post(`${API}/sessions`).set(auth).send({ title: 'b' }),
      request(t.server).post(`${API}/sessions`).set(auth).send({ title: 'a' }),
      request(t.server).post(`${API}/sessions`).set(auth).send({ title: '' }),
      request(t.server).get(`${API}/sessions`),
      request(t.server)
        .get(`${API}/sessions`)
        .set('Authorization', 'Bearer x.y.z'),
      request(t.server).delete(`${API}/sessions/%E0%A4%A`).set(auth),
      request(t.server)
        .post(`${API}/sessions`)
        .set(auth)
        .set('Content-Type', 'text/plain')
        .send('x'),
      request(t.server)
        .post(`${API}/sessions`)
        .set(auth)
        .set('Content-Type', 'application/json')
        .send(`{"t":"${'x'.repeat(17000)}"}`),
      request(t.server).get(`${API}/nope`).set(auth),
    ]);
    expect(responses.map((r) => r.status)).toEqual([
      200, 201, 409, 422, 401, 401, 400, 415, 413, 404,
    ]);
    for (const response of responses) {
      expectSecurityHeaders(response);
      expect(response.headers['cache-control']).toBe('no-store');
      expectNoLeak(response);
    }
    for (const path of ['/docs-json', '/not-an-api-path']) {
      expectSecurityHeaders(await request(t.server).get(path));
    }
  });

  it('CORS is off by default: no CORS headers, preflight not answered', async () => {
    const preflight = await request(t.server)
      .options(`${API}/sessions`)
      .set('Origin', ORIGIN)
      .set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers).not.toHaveProperty('access-control-allow-origin');
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    const simple = await request(t.server)
      .get(`${API}/sessions`)
      .set(bearer(1))
      .set('Origin', ORIGIN);
    expect(simple.headers).not.toHaveProperty('access-control-allow-origin');
  });

  it('CORS_ORIGINS allows exactly the listed origins', async () => {
    const allowed = await request(cors.server)
      .options(`${API}/sessions`)
      .set('Origin', ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(allowed.headers['access-control-allow-headers']).toMatch(
      /authorization/i,
    );
    expect(allowed.headers).not.toHaveProperty(
      'access-control-allow-credentials',
    );

    const foreign = await request(cors.server)
      .options(`${API}/sessions`)
      .set('Origin', 'https://evil.example.com')
      .set('Access-Control-Request-Method', 'POST');
    expect(foreign.headers).not.toHaveProperty('access-control-allow-origin');
  });
});
