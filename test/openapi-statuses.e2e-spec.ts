import type { InjectOptions } from 'fastify';
import { Client } from 'pg';
import { createTestApp, TestApp } from './helpers/test-app';
import { bearer } from './helpers/tokens';

type Json = Record<string, any>;
type Call = Pick<InjectOptions, 'method' | 'url' | 'headers' | 'payload'>;

const API = '/api/v1/sessions';
const JSON_BODY = { 'content-type': 'application/json' };

/**
 * The other half of "the document is true": every status the document lists for a route
 * is one the route really answers. (The e2e response checker proves the converse.)
 */
const NOT_PROVOKED: Record<string, string> = {
  // Under the per-user advisory lock only a writer bypassing the service can cause it.
  'post /api/v1/sessions/active/{title} 409': 'race-only',
  // This branch has no per-user rate limiter yet; RATE_LIMIT_PER_MINUTE is accepted.
  '429': 'rate limiter',
};

describe('Every documented status is one the route really answers', () => {
  let t: TestApp;
  let document: Json;
  const seen = new Set<string>();

  const inject = async (operation: string, call: Call) => {
    const response = await t.app
      .getHttpAdapter()
      .getInstance()
      .inject(call as InjectOptions);
    seen.add(`${operation} ${response.statusCode}`);
    return response;
  };
  const seed = async (userId: number, ...titles: string[]) => {
    for (const title of titles) {
      const response = await inject('post /api/v1/sessions', {
        method: 'POST',
        url: API,
        headers: { ...bearer(userId), ...JSON_BODY },
        payload: JSON.stringify({ title }),
      });
      expect(response.statusCode).toBe(201);
    }
  };

  /** One valid request per operation, each for its own user so none waits on another. */
  const validCalls = (firstUserId: number): Array<[string, Call]> => {
    const as = (offset: number) => bearer(firstUserId + offset);
    const body = (title: string) => JSON.stringify({ title });
    return [
      ['get /api/v1/sessions', { method: 'GET', url: API, headers: as(0) }],
      [
        'get /api/v1/sessions/active',
        { method: 'GET', url: `${API}/active`, headers: as(1) },
      ],
      [
        'post /api/v1/sessions',
        {
          method: 'POST',
          url: API,
          headers: { ...as(2), ...JSON_BODY },
          payload: body('n'),
        },
      ],
      [
        'post /api/v1/sessions/deactivate',
        { method: 'POST', url: `${API}/deactivate`, headers: as(3) },
      ],
      [
        'post /api/v1/sessions/active/{title}',
        { method: 'POST', url: `${API}/active/a`, headers: as(4) },
      ],
      [
        'patch /api/v1/sessions/{title}',
        {
          method: 'PATCH',
          url: `${API}/a`,
          headers: { ...as(5), ...JSON_BODY },
          payload: body('b'),
        },
      ],
      [
        'delete /api/v1/sessions/{title}',
        { method: 'DELETE', url: `${API}/a`, headers: as(6) },
      ],
    ];
  };

  beforeAll(async () => {
    t = await createTestApp({ redis: false });
    document = (
      await t.app.getHttpAdapter().getInstance().inject({ url: '/docs-json' })
    ).json();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers every documented status of every route', async () => {
    const alice = bearer(1);
    await seed(1, 'taken', 'busy');
    await seed(3, 'to-deactivate');
    await seed(4, 'to-rename');
    await seed(5, 'to-delete', 'kept');

    const bodyRoutes: Array<[string, string, string]> = [
      ['post /api/v1/sessions', 'POST', API],
      ['post /api/v1/sessions/deactivate', 'POST', `${API}/deactivate`],
      ['post /api/v1/sessions/active/{title}', 'POST', `${API}/active/missing`],
      ['patch /api/v1/sessions/{title}', 'PATCH', `${API}/missing`],
      ['delete /api/v1/sessions/{title}', 'DELETE', `${API}/missing`],
    ];
    for (const [operation, method, url] of bodyRoutes) {
      const send = (headers: Json, payload: string) =>
        inject(operation, {
          method: method as Call['method'],
          url,
          headers: { ...alice, ...headers },
          payload,
        });
      await send(JSON_BODY, '{"title": ');
      await send(JSON_BODY, JSON.stringify({ title: 'x'.repeat(17 * 1024) }));
      await send({ 'content-type': 'text/plain' }, 'title=x');
      await send(JSON_BODY, '[1]');
    }
    for (const [operation, method, url] of [
      ['get /api/v1/sessions', 'GET', API],
      ['get /api/v1/sessions/active', 'GET', `${API}/active`],
      ...bodyRoutes,
    ]) {
      await inject(operation, { method: method as Call['method'], url });
      await inject(operation, {
        method: method as Call['method'],
        url,
        headers: { ...alice, 'content-encoding': 'gzip' },
      });
    }
    for (const [operation, method] of [
      ['post /api/v1/sessions/active/{title}', 'POST'],
      ['patch /api/v1/sessions/{title}', 'PATCH'],
      ['delete /api/v1/sessions/{title}', 'DELETE'],
    ]) {
      const url = method === 'POST' ? `${API}/active/bad%ZZ` : `${API}/bad%ZZ`;
      await inject(operation, {
        method: method as Call['method'],
        url,
        headers: alice,
      });
    }

    const call = (operation: string, request: Call) =>
      inject(operation, {
        ...request,
        headers: { ...alice, ...request.headers },
      });
    await call('get /api/v1/sessions', { method: 'GET', url: API });
    await call('get /api/v1/sessions/active', {
      method: 'GET',
      url: `${API}/active`,
    });
    await inject('get /api/v1/sessions/active', {
      method: 'GET',
      url: `${API}/active`,
      headers: bearer(2),
    });
    await call('post /api/v1/sessions', {
      method: 'POST',
      url: API,
      headers: JSON_BODY,
      payload: JSON.stringify({ title: 'taken' }),
    });
    await call('post /api/v1/sessions', {
      method: 'POST',
      url: API,
      headers: JSON_BODY,
      payload: JSON.stringify({ title: ' ' }),
    });
    await seed(6, 'created');
    await inject('post /api/v1/sessions/deactivate', {
      method: 'POST',
      url: `${API}/deactivate`,
      headers: bearer(2),
    });
    await inject('post /api/v1/sessions/deactivate', {
      method: 'POST',
      url: `${API}/deactivate`,
      headers: bearer(3),
    });
    await call('post /api/v1/sessions/active/{title}', {
      method: 'POST',
      url: `${API}/active/busy`,
    });
    await call('post /api/v1/sessions/active/{title}', {
      method: 'POST',
      url: `${API}/active/missing`,
    });
    for (const [title, headers] of [
      ['to-rename', bearer(4)],
      ['missing', alice],
      ['taken', alice],
    ] as const) {
      await inject('patch /api/v1/sessions/{title}', {
        method: 'PATCH',
        url: `${API}/${title}`,
        headers: { ...headers, ...JSON_BODY },
        payload: JSON.stringify({ title: title === 'taken' ? 'busy' : 'new' }),
      });
    }
    await call('patch /api/v1/sessions/{title}', {
      method: 'PATCH',
      url: `${API}/taken`,
      headers: JSON_BODY,
      payload: JSON.stringify({ title: '' }),
    });
    for (const [title, headers] of [
      ['to-delete', bearer(5)],
      ['missing', alice],
      ['busy', alice],
    ] as const) {
      await inject('delete /api/v1/sessions/{title}', {
        method: 'DELETE',
        url: `${API}/${title}`,
        headers,
      });
    }

    const admin = new Client({ connectionString: t.database.url });
    await admin.connect();
    try {
      // PostgreSQL too slow to answer: a lock outlasts the statement timeout.
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE');
      const timedOut = await Promise.all(
        validCalls(100).map(([operation, request]) =>
          inject(operation, request),
        ),
      );
      await admin.query('ROLLBACK');
      expect(timedOut.map((response) => response.statusCode)).toEqual(
        Array(7).fill(503),
      );

      // An unexpected database error: the table has gone.
      await admin.query('ALTER TABLE sessions RENAME TO sessions_elsewhere');
      try {
        const failed = await Promise.all(
          validCalls(200).map(([operation, request]) =>
            inject(operation, request),
          ),
        );
        expect(failed.map((response) => response.statusCode)).toEqual(
          Array(7).fill(500),
        );
        for (const response of failed) {
          expect(response.body).not.toMatch(/sessions|relation|SELECT/i);
        }
      } finally {
        await admin.query('ALTER TABLE sessions_elsewhere RENAME TO sessions');
      }
    } finally {
      await admin.end();
    }

    const documented = Object.entries(document.paths as Json)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, item]) =>
        Object.entries(item as Json).flatMap(([method, operation]) =>
          Object.keys(operation.responses as Json).map(
            (status) => `${method} ${path} ${status}`,
          ),
        ),
      );
    const expected = documented.filter(
      (entry) =>
        !(entry in NOT_PROVOKED) && !(entry.split(' ')[2] in NOT_PROVOKED),
    );
    expect(documented.length - expected.length).toBe(8);
    expect([...seen].filter((entry) => !documented.includes(entry))).toEqual(
      [],
    );
    expect(expected.filter((entry) => !seen.has(entry))).toEqual([]);
  });
});
