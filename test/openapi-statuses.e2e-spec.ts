import type { InjectOptions } from 'fastify';
import { Client } from 'pg';
import { API, API_OPERATIONS, SESSIONS } from './helpers/constants';
import {
  documentedOperations,
  type OpenApiDocument,
} from './helpers/openapi-contract';
import { useTestApp } from './helpers/test-app';
import { bearer } from './helpers/tokens';
import {
  SESSION_STATEMENTS,
  USER_SESSIONS_LOCK_SPACE,
} from '../src/sessions/sessions.statements';

type Call = Pick<InjectOptions, 'method' | 'url' | 'headers' | 'payload'>;
type Operation = (typeof API_OPERATIONS)[number];

const JSON_BODY = { 'content-type': 'application/json' };
const alice = bearer(1);

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

/** The routes that take a body, each on a URL where no stored session is needed. */
const BODY_ROUTES: Array<[Operation, Call['method'], string]> = [
  ['post /api/v1/sessions', 'POST', SESSIONS],
  ['post /api/v1/sessions/deactivate', 'POST', `${SESSIONS}/deactivate`],
  [
    'post /api/v1/sessions/active/{title}',
    'POST',
    `${SESSIONS}/active/missing`,
  ],
  ['patch /api/v1/sessions/{title}', 'PATCH', `${SESSIONS}/missing`],
  ['delete /api/v1/sessions/{title}', 'DELETE', `${SESSIONS}/missing`],
];
const EVERY_ROUTE: Array<[Operation, Call['method'], string]> = [
  ['get /api/v1/sessions', 'GET', SESSIONS],
  ['get /api/v1/sessions/active', 'GET', `${SESSIONS}/active`],
  ...BODY_ROUTES,
];

/** A request as `userId`, with a JSON body when one is given. */
function as(
  userId: number,
  method: Call['method'],
  url: string,
  body?: unknown,
): Call & { url: string } {
  return {
    method,
    url,
    headers: { ...bearer(userId), ...(body === undefined ? {} : JSON_BODY) },
    payload: body === undefined ? undefined : JSON.stringify(body),
  };
}

/** One valid request per operation, each for its own user so none waits on another. */
function validCalls(firstUserId: number): Array<[Operation, Call]> {
  const user = (offset: number) => firstUserId + offset;
  return [
    ['get /api/v1/sessions', as(user(0), 'GET', SESSIONS)],
    ['get /api/v1/sessions/active', as(user(1), 'GET', `${SESSIONS}/active`)],
    ['post /api/v1/sessions', as(user(2), 'POST', SESSIONS, { title: 'n' })],
    [
      'post /api/v1/sessions/deactivate',
      as(user(3), 'POST', `${SESSIONS}/deactivate`),
    ],
    [
      'post /api/v1/sessions/active/{title}',
      as(user(4), 'POST', `${SESSIONS}/active/a`),
    ],
    [
      'patch /api/v1/sessions/{title}',
      as(user(5), 'PATCH', `${SESSIONS}/a`, { title: 'b' }),
    ],
    ['delete /api/v1/sessions/{title}', as(user(6), 'DELETE', `${SESSIONS}/a`)],
  ];
}

describe('Every documented status is one the route really answers', () => {
  const t = useTestApp({ redis: false });
  let document: OpenApiDocument;
  const seen = new Set<string>();

  /** Sends `call` and returns its status, noting it as answered by `operation`. */
  const inject = async (operation: Operation, call: Call) => {
    const response = await t.app
      .getHttpAdapter()
      .getInstance()
      .inject(call as InjectOptions);
    seen.add(`${operation} ${response.statusCode}`);
    return response;
  };
  const status = async (operation: Operation, call: Call) =>
    (await inject(operation, call)).statusCode;
  const seed = async (userId: number, ...titles: string[]) => {
    for (const title of titles) {
      await expect(
        status(
          'post /api/v1/sessions',
          as(userId, 'POST', SESSIONS, { title }),
        ),
      ).resolves.toBe(201);
    }
  };
  const everyValidCall = (firstUserId: number) =>
    Promise.all(
      validCalls(firstUserId).map(([operation, call]) =>
        inject(operation, call),
      ),
    );

  beforeAll(async () => {
    document = (
      await t.app.getHttpAdapter().getInstance().inject({ url: '/docs-json' })
    ).json();
  });
  it('400, 413, 415 and 422 for a body that is not JSON, too large, not JSON at all or not an object', async () => {
    for (const [operation, method, url] of BODY_ROUTES) {
      const send = (headers: Record<string, string>, payload: string) =>
        status(operation, {
          method,
          url,
          headers: { ...alice, ...headers },
          payload,
        });
      await expect(
        Promise.all([
          send(JSON_BODY, '{"title": '),
          send(JSON_BODY, JSON.stringify({ title: 'x'.repeat(17 * 1024) })),
          send({ 'content-type': 'text/plain' }, 'title=x'),
          send(JSON_BODY, '[1]'),
        ]),
      ).resolves.toEqual([400, 413, 415, 422]);
    }
  });

  it('401 without a token and 415 for a compressed body, on every route', async () => {
    for (const [operation, method, url] of EVERY_ROUTE) {
      await expect(status(operation, { method, url })).resolves.toBe(401);
      await expect(
        status(operation, {
          method,
          url,
          headers: { ...alice, 'content-encoding': 'gzip' },
        }),
      ).resolves.toBe(415);
    }
  });

  it('400 for a malformed percent-escape in a title', async () => {
    for (const [operation, method, url] of [
      ['post /api/v1/sessions/active/{title}', 'POST', `${SESSIONS}/active`],
      ['patch /api/v1/sessions/{title}', 'PATCH', SESSIONS],
      ['delete /api/v1/sessions/{title}', 'DELETE', SESSIONS],
    ] as const) {
      await expect(
        status(operation, { method, url: `${url}/bad%ZZ`, headers: alice }),
      ).resolves.toBe(400);
    }
  });

  it('the domain answers: 200, 201, 400, 404, 409 and 422', async () => {
    await seed(1, 'taken', 'busy');
    await seed(3, 'to-deactivate');
    await seed(4, 'to-rename');
    await seed(5, 'to-delete', 'kept');
    // In order: each answer depends on the state the ones before it left.
    const cases: Array<[Operation, Call & { url: string }, number]> = [
      ['get /api/v1/sessions', as(1, 'GET', SESSIONS), 200],
      ['get /api/v1/sessions/active', as(1, 'GET', `${SESSIONS}/active`), 200],
      ['get /api/v1/sessions/active', as(2, 'GET', `${SESSIONS}/active`), 404],
      [
        'post /api/v1/sessions',
        as(1, 'POST', SESSIONS, { title: 'taken' }),
        409,
      ],
      ['post /api/v1/sessions', as(1, 'POST', SESSIONS, { title: ' ' }), 422],
      [
        'post /api/v1/sessions/deactivate',
        as(2, 'POST', `${SESSIONS}/deactivate`),
        404,
      ],
      [
        'post /api/v1/sessions/deactivate',
        as(3, 'POST', `${SESSIONS}/deactivate`),
        200,
      ],
      [
        'post /api/v1/sessions/active/{title}',
        as(1, 'POST', `${SESSIONS}/active/busy`),
        200,
      ],
      [
        'post /api/v1/sessions/active/{title}',
        as(1, 'POST', `${SESSIONS}/active/missing`),
        404,
      ],
      [
        'patch /api/v1/sessions/{title}',
        as(4, 'PATCH', `${SESSIONS}/to-rename`, { title: 'new' }),
        200,
      ],
      [
        'patch /api/v1/sessions/{title}',
        as(1, 'PATCH', `${SESSIONS}/missing`, { title: 'new' }),
        404,
      ],
      [
        'patch /api/v1/sessions/{title}',
        as(1, 'PATCH', `${SESSIONS}/taken`, { title: 'busy' }),
        409,
      ],
      [
        'patch /api/v1/sessions/{title}',
        as(1, 'PATCH', `${SESSIONS}/taken`, { title: '' }),
        422,
      ],
      [
        'delete /api/v1/sessions/{title}',
        as(5, 'DELETE', `${SESSIONS}/to-delete`),
        200,
      ],
      [
        'delete /api/v1/sessions/{title}',
        as(1, 'DELETE', `${SESSIONS}/missing`),
        404,
      ],
      [
        'delete /api/v1/sessions/{title}',
        as(1, 'DELETE', `${SESSIONS}/busy`),
        400,
      ],
    ];
    for (const [operation, request, expected] of cases) {
      const what = `${request.method} ${request.url}`;
      expect({ what, status: await status(operation, request) }).toEqual({
        what,
        status: expected,
      });
    }
  });

  describe('with PostgreSQL in trouble', () => {
    let admin: Client;
    beforeAll(async () => {
      admin = new Client({ connectionString: t.database.url });
      await admin.connect();
    });
    afterAll(async () => {
      await admin?.end();
    });

    it('503 on every route while a lock outlasts the statement timeout', async () => {
      await admin.query('BEGIN');
      try {
        await admin.query('LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE');
        const timedOut = await everyValidCall(100);
        expect(timedOut.map((response) => response.statusCode)).toEqual(
          Array(7).fill(503),
        );
      } finally {
        await admin.query('ROLLBACK');
      }
    });

    it('409 on every write sent with an Idempotency-Key while its user stays locked past the bound', async () => {
      const writes = validCalls(200).filter(([operation]) =>
        BODY_ROUTES.some(([route]) => route === operation),
      );
      await admin.query('BEGIN');
      try {
        // validCalls(200) uses users 200 to 206, one per operation.
        for (let userId = 200; userId <= 206; userId += 1) {
          await admin.query(SESSION_STATEMENTS.lockUser, [
            USER_SESSIONS_LOCK_SPACE,
            userId,
          ]);
        }
        const waited = await Promise.all(
          writes.map(([operation, call]) =>
            inject(operation, {
              ...call,
              headers: { ...call.headers, 'idempotency-key': 'in-flight' },
            }),
          ),
        );
        expect(waited.map((response) => response.statusCode)).toEqual(
          Array(writes.length).fill(409),
        );
      } finally {
        await admin.query('ROLLBACK');
      }
    });

    it('500 on every route for an unexpected database error, without naming it', async () => {
      await admin.query('ALTER TABLE sessions RENAME TO sessions_elsewhere');
      try {
        const failed = await everyValidCall(200);
        expect(failed.map((response) => response.statusCode)).toEqual(
          Array(7).fill(500),
        );
        for (const response of failed) {
          expect(response.body).not.toMatch(/sessions|relation|SELECT/i);
        }
      } finally {
        await admin.query('ALTER TABLE sessions_elsewhere RENAME TO sessions');
      }
    });
  });

  // Runs last: it reads what the cases above provoked.
  it('together, the cases above answer every documented status and no other', () => {
    const documented = documentedOperations(document, `${API}/`).flatMap(
      ({ name, operation }) =>
        Object.keys(operation.responses).map((code) => `${name} ${code}`),
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
