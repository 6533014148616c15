import fc from 'fast-check';
import request from 'supertest';
import { API, API_OPERATIONS, SESSIONS } from './helpers/constants';
import {
  documentedOperations,
  type OpenApiDocument,
} from './helpers/openapi-contract';
import { createTestApp, TestApp } from './helpers/test-app';
import { bearer, inOneHour, signRawToken, TEST_SECRET } from './helpers/tokens';

/**
 * Schemathesis' checks, driven by the service's own OpenAPI document: for every
 * operation, generated requests must never answer 5xx, keep the document (status,
 * media type, schema: the suites' one response checker), reject requests without
 * valid credentials, and keep created sessions listed and deleted ones gone.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

interface Operation {
  method: string;
  path: string;
  statuses: Set<number>;
  hasBody: boolean;
}

interface FuzzResponse {
  status: number;
  text: string;
  body: any;
}

const titleUnit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 1 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '/',
      '%',
      '?',
      '#',
      ' ',
      '.',
      '\u0000',
      '\u001b',
      '\u202e',
      '\ud800',
      '\u{1f600}',
      'active',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 1 }) },
);
const anyTitle = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'a',
      'b',
      'c',
      'active',
      'deactivate',
      'a/b',
      '%',
      '💡',
    ),
  },
  {
    weight: 5,
    arbitrary: fc.string({ unit: titleUnit, minLength: 0, maxLength: 40 }),
  },
  {
    weight: 1,
    arbitrary: fc.string({ unit: titleUnit, minLength: 250, maxLength: 300 }),
  },
);
/** A path segment: mostly a well-encoded title, sometimes raw bytes a client might send. */
const segment = fc.oneof(
  {
    weight: 8,
    arbitrary: anyTitle
      // A lone surrogate has no UTF-8 form, so no client can put one in a path.
      .map((title) => encodeURIComponent(title.toWellFormed()))
      // `.`, `..` (even as %2E) are dot-segments that inject's WHATWG URL resolves away.
      .filter((encoded) => !/^(\.|%2E){1,2}$/i.test(encoded))
      // An empty segment names the collection, another operation.
      .filter((encoded) => encoded !== ''),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '%',
      '%E0%A4%A',
      '%ZZ',
      '%C0%AF',
      '%ED%A0%80',
      '%FF',
    ),
  },
);
const body = fc.oneof(
  { weight: 6, arbitrary: anyTitle.map((title) => ({ title })) },
  { weight: 2, arbitrary: fc.record({ title: fc.jsonValue({ maxDepth: 3 }) }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(
      fc.string({ maxLength: 10 }),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  },
);

type Auth =
  { kind: 'valid'; userId: number } | { kind: 'invalid'; header?: string };
const auth: fc.Arbitrary<Auth> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .integer({ min: 1, max: 4 })
      .map((userId) => ({ kind: 'valid' as const, userId })),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.constant<Auth>({ kind: 'invalid' }),
      fc.constantFrom<Auth>(
        { kind: 'invalid', header: 'Bearer' },
        { kind: 'invalid', header: 'Basic YTpi' },
        {
          kind: 'invalid',
          header: `Bearer ${signRawToken('{"alg":"none"}', '{"sub":"1"}', '')}`,
        },
        {
          kind: 'invalid',
          header: `Bearer ${signRawToken('{"alg":"HS256"}', `{"sub":"1","exp":${inOneHour()}}`, 'wrong-secret')}`,
        },
        {
          kind: 'invalid',
          header: `Bearer ${signRawToken('{"alg":"HS256"}', '{"sub":"1","exp":1}', TEST_SECRET)}`,
        },
        {
          kind: 'invalid',
          header: `Bearer ${signRawToken('{"alg":"HS256"}', `{"sub":"007","exp":${inOneHour()}}`, TEST_SECRET)}`,
        },
      ),
      fc
        .string({ maxLength: 60 })
        .filter((s) => /^[\x21-\x7e ]*$/.test(s))
        .map<Auth>((s) => ({ kind: 'invalid', header: `Bearer ${s}x` })),
    ),
  },
);

describe('OpenAPI-driven fuzzing of every operation', () => {
  let t: TestApp;
  let operations: Operation[];
  const statusCounts = new Map<number, number>();
  let total = 0;

  beforeAll(async () => {
    t = await createTestApp();
    const document = (await request(t.server).get('/docs-json'))
      .body as OpenApiDocument;
    operations = documentedOperations(document, `${API}/`).map(
      ({ method, path, operation }) => ({
        method,
        path,
        statuses: new Set(Object.keys(operation.responses).map(Number)),
        hasBody: operation.requestBody !== undefined,
      }),
    );
    // Titles that the path fuzzers then find, so activate, rename and delete also succeed.
    for (const title of ['a', 'b', 'c', 'active', 'a/b', '%', '💡']) {
      for (const userId of [1, 2, 3, 4]) {
        await send('post', SESSIONS, { kind: 'valid', userId }, { title });
      }
    }
  });

  afterAll(async () => {
    const byStatus = [...statusCounts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${status}: ${count}`)
      .join(', ');
    console.log(
      `OpenAPI fuzz: ${total} requests over ${operations.length} operations (${byStatus})`,
    );
    await t?.close();
  });

  it('the document describes every route of the API', () => {
    expect(operations.map((o) => `${o.method} ${o.path}`).sort()).toEqual(
      [...API_OPERATIONS].sort(),
    );
    for (const operation of operations) {
      expect(operation.statuses).toContain(401);
    }
  });

  /** fastify.inject sends exactly the bytes generated (supertest re-serializes some bodies). */
  const send = async (
    method: string,
    url: string,
    who: Auth,
    payload?: unknown,
  ): Promise<FuzzResponse> => {
    const headers: Record<string, string> = {};
    if (who.kind === 'valid') Object.assign(headers, bearer(who.userId));
    else if (who.header !== undefined) headers.authorization = who.header;
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const injected = await t.app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: method.toUpperCase() as 'GET',
        url,
        headers,
        ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
      });
    total += 1;
    const status = injected.statusCode;
    statusCounts.set(status, (statusCounts.get(status) ?? 0) + 1);
    let body: unknown;
    try {
      body = JSON.parse(injected.body);
    } catch {
      body = undefined;
    }
    return { status, text: injected.body, body: body as FuzzResponse['body'] };
  };

  const checkResponse = async (
    operation: Operation,
    url: string,
    who: Auth,
    response: FuzzResponse,
  ) => {
    const where = `${operation.method.toUpperCase()} ${url} → ${response.status} ${response.text.slice(0, 200)}`;
    expect({ where, serverError: response.status >= 500 }).toEqual({
      where,
      serverError: false,
    });
    // Documented status, media type and schema, checked on the spot so fast-check shrinks.
    expect(await t.contractViolations()).toEqual([]);
    if (who.kind === 'invalid') {
      // Framing (URL decoding, media type, size, JSON syntax) is checked before
      // authentication; nothing that depends on stored data may answer without it.
      const framingRejection =
        [400, 413, 415].includes(response.status) ||
        (response.status === 422 &&
          response.body?.errors?.[0]?.field === 'body');
      expect({
        where,
        rejected: response.status === 401 || framingRejection,
      }).toEqual({
        where,
        rejected: true,
      });
    }
  };

  it.each(API_OPERATIONS)(
    '%s',
    async (name) => {
      const operation = operations.find(
        (o) => `${o.method} ${o.path}` === name,
      )!;
      await fc.assert(
        fc.asyncProperty(
          auth,
          segment,
          body,
          async (who, titleSegment, payload) => {
            const url = operation.path.replace('{title}', titleSegment);
            const response = await send(
              operation.method,
              url,
              who,
              operation.hasBody ? payload : undefined,
            );
            await checkResponse(operation, url, who, response);

            if (who.kind !== 'valid') return;
            if (name === 'post /api/v1/sessions' && response.status === 201) {
              const listed = await send('get', SESSIONS, who);
              expect(listed.body.map((s: { id: string }) => s.id)).toContain(
                response.body.id,
              );
            }
            if (
              name === 'delete /api/v1/sessions/{title}' &&
              response.status === 200
            ) {
              const again = await send(
                'post',
                `${SESSIONS}/active/${titleSegment}`,
                who,
              );
              expect(again.status).toBe(404);
            }
            if (
              name === 'patch /api/v1/sessions/{title}' &&
              response.status === 200
            ) {
              const listed = await send('get', SESSIONS, who);
              expect(listed.body.map((s: { id: string }) => s.id)).toContain(
                response.body.id,
              );
            }
          },
        ),
        {
          numRuns: RUNS,
          // Seed the state so that activate, rename and delete also find titles that exist.
          examples: [
            [{ kind: 'valid', userId: 1 }, 'a', { title: 'a' }],
            [{ kind: 'valid', userId: 1 }, 'b', { title: 'b' }],
          ],
        },
      );
    },
    120_000,
  );
});
