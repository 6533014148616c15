import fc from 'fast-check';
import request from 'supertest';
import { gzipSync } from 'node:zlib';
import { useTestApp } from './helpers/test-app';
import { bearer } from './helpers/tokens';
import { API } from './helpers/constants';
import { expectProblem } from './helpers/problem';

const TITLE_RUNS = Number(process.env.FUZZ_TITLE_RUNS ?? 250);

/** The SPEC's title rule, restated independently of the implementation. */
function isValidTitle(title: string): boolean {
  const length = [...title].length;
  return (
    title.isWellFormed() &&
    length >= 1 &&
    length <= 255 &&
    !/^\s*$/u.test(title) &&
    // eslint-disable-next-line no-control-regex -- the rule is about control characters
    !/[\u0000-\u001f\u007f]/.test(title)
  );
}

const HOSTILE_UNITS = [
  '\u0000',
  '\u0001',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u200b',
  '\u200e',
  '\u200f',
  '\u202a',
  '\u202e',
  '\u2066',
  '\u2069',
  '\ufeff',
  '\ufffd',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  '\u{1f600}',
  '\u{10ffff}',
  '\u{1d11e}',
  'e\u0301',
  '/',
  '\\',
  '%',
  '%2F',
  '%00',
  '?',
  '#',
  '&',
  '+',
  ' ',
  '\t',
  '.',
  '..',
  '"',
  "'",
  '<script>',
  'active',
  'deactivate',
  "'; DROP TABLE sessions; --",
];

/** Mostly printable, with control, bidi, zero-width, astral characters and lone surrogates. */
const hostileTitle = fc.string({
  unit: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_UNITS) },
    {
      weight: 4,
      arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 1 }),
    },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 1 }) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 0, max: 0xffff })
        .map((code) => String.fromCharCode(code)),
    },
  ),
  maxLength: 300,
});

describe('Hostile input never yields a 5xx', () => {
  const t = useTestApp();
  let nextUser = 1000;
  const counts = { requests: 0, created: 0, rejected: 0 };

  afterAll(() => {
    console.log(
      `hostile titles: ${counts.requests} requests, ${counts.created} titles created and round-tripped, ${counts.rejected} rejected with 422`,
    );
  });

  const path = (title: string) =>
    `${API}/sessions/${encodeURIComponent(title)}`;

  it('create answers 201 or 422; every created title round-trips through activate, rename and delete', async () => {
    await fc.assert(
      fc.asyncProperty(hostileTitle, async (title) => {
        const auth = bearer(nextUser++);
        const created = await request(t.server)
          .post(`${API}/sessions`)
          .set(auth)
          .send({ title });
        counts.requests += 1;
        expect([201, 422]).toContain(created.status);
        expect(created.status).toBe(isValidTitle(title) ? 201 : 422);
        if (created.status === 422) {
          counts.rejected += 1;
          expect(created.body).toMatchObject({ status: 422 });
          expect(created.body.errors[0].field).toBe('title');
          return;
        }
        counts.created += 1;
        expect(created.body.title).toBe(title);

        const activated = await request(t.server)
          .post(`${API}/sessions/active/${encodeURIComponent(title)}`)
          .set(auth);
        expect(activated.status).toBe(200);
        expect(activated.body.detail).toContain(title);

        const moved = await request(t.server)
          .patch(path(title))
          .set(auth)
          .send({ title: 'renamed' });
        expect(moved.status).toBe(200);
        expect(moved.body).toMatchObject({
          id: created.body.id,
          title: 'renamed',
          active: true,
        });

        const back = await request(t.server)
          .patch(`${API}/sessions/renamed`)
          .set(auth)
          .send({ title });
        expect(back.status).toBe(200);
        expect(back.body.title).toBe(title);

        const listed = await request(t.server).get(`${API}/sessions`).set(auth);
        expect(listed.body.map((s: { title: string }) => s.title)).toEqual([
          title,
        ]);

        expect(
          (await request(t.server).post(`${API}/sessions/deactivate`).set(auth))
            .status,
        ).toBe(200);
        const deleted = await request(t.server).delete(path(title)).set(auth);
        expect(deleted.status).toBe(200);
        const gone = await request(t.server)
          .post(`${API}/sessions/active/${encodeURIComponent(title)}`)
          .set(auth);
        expect(gone.status).toBe(404);
        counts.requests += 8;
      }),
      { numRuns: TITLE_RUNS },
    );
  }, 180_000);

  it.each([
    ['\ud800'],
    ['\udfff'],
    ['a\ud800b'],
    ['\udc00\ud800'],
    ['ok\ud83d'],
  ])(
    'rejects the lone surrogate in %j (sent as a \\u escape) with 422',
    async (title) => {
      const body = JSON.stringify({ title });
      expect(body).toMatch(/\\ud[89a-f][0-9a-f]{2}/);
      const response = await request(t.server)
        .post(`${API}/sessions`)
        .set(bearer(1))
        .set('Content-Type', 'application/json')
        .send(body);
      expect(response.status).toBe(422);
      expect(response.body.errors).toEqual([
        { field: 'title', message: expect.stringContaining('lone surrogate') },
      ]);
      const listed = await request(t.server)
        .get(`${API}/sessions`)
        .set(bearer(1));
      expect(listed.body).toEqual([]);
    },
  );

  it('rejects a lone surrogate in a rename too', async () => {
    const auth = bearer(2);
    await request(t.server)
      .post(`${API}/sessions`)
      .set(auth)
      .send({ title: 'x' });
    const response = await request(t.server)
      .patch(`${API}/sessions/x`)
      .set(auth)
      .set('Content-Type', 'application/json')
      .send('{"title":"\\ud800"}');
    expect(response.status).toBe(422);
  });

  describe('bodies', () => {
    const post = () => request(t.server).post(`${API}/sessions`).set(bearer(3));

    const BODY_CASES: Array<{
      name: string;
      contentType?: string;
      encoding?: string;
      body: string | Buffer;
      status: number;
      bodyField?: true;
    }> = [
      {
        name: 'malformed JSON',
        contentType: 'application/json',
        body: '{"title": "secret-payload',
        status: 400,
      },
      {
        name: 'trailing garbage',
        contentType: 'application/json',
        body: '{"title":"a"} x',
        status: 400,
      },
      {
        name: 'empty JSON body',
        contentType: 'application/json',
        body: '',
        status: 400,
      },
      {
        name: 'JSON null',
        contentType: 'application/json',
        body: 'null',
        status: 422,
        bodyField: true,
      },
      {
        name: 'JSON "x"',
        contentType: 'application/json',
        body: '"x"',
        status: 422,
        bodyField: true,
      },
      {
        name: 'JSON [1]',
        contentType: 'application/json',
        body: '[1]',
        status: 422,
        bodyField: true,
      },
      {
        name: 'JSON 42',
        contentType: 'application/json',
        body: '42',
        status: 422,
        bodyField: true,
      },
      {
        name: 'JSON true',
        contentType: 'application/json',
        body: 'true',
        status: 422,
        bodyField: true,
      },
      {
        name: 'title null',
        contentType: 'application/json',
        body: '{"title":null}',
        status: 422,
      },
      {
        name: 'title a number',
        contentType: 'application/json',
        body: '{"title":7}',
        status: 422,
      },
      {
        name: 'title an array',
        contentType: 'application/json',
        body: '{"title":["a"]}',
        status: 422,
      },
      {
        name: 'title an object',
        contentType: 'application/json',
        body: '{"title":{"a":1}}',
        status: 422,
      },
      {
        name: 'title only under __proto__',
        contentType: 'application/json',
        body: '{"__proto__":{"title":"p"}}',
        status: 422,
      },
      {
        name: 'deeply nested JSON',
        contentType: 'application/json',
        body: `{"title":${'['.repeat(5000)}${']'.repeat(5000)}}`,
        status: 422,
      },
      {
        name: 'invalid UTF-8 bytes',
        contentType: 'application/json',
        body: Buffer.from([
          0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x22, 0xff,
          0xfe, 0x22, 0x7d,
        ]),
        status: 400,
      },
      {
        name: 'text/plain',
        contentType: 'text/plain',
        body: '{"title":"a"}',
        status: 415,
      },
      {
        name: 'form-encoded',
        contentType: 'application/x-www-form-urlencoded',
        body: 'title=a',
        status: 415,
      },
      {
        name: 'multipart',
        contentType: 'multipart/form-data; boundary=x',
        body: '--x\r\nContent-Disposition: form-data; name="title"\r\n\r\na\r\n--x--',
        status: 415,
      },
      { name: 'no content type', body: '{"title":"a"}', status: 415 },
      {
        name: 'gzip body',
        contentType: 'application/json',
        encoding: 'gzip',
        body: gzipSync('{"title":"a"}'),
        status: 415,
      },
      {
        name: 'deflate body',
        contentType: 'application/json',
        encoding: 'deflate',
        body: '{"title":"a"}',
        status: 415,
      },
      {
        name: '16 KiB + 1',
        contentType: 'application/json',
        body: `{"title":"a","pad":"${'x'.repeat(16 * 1024 - 21)}"}`,
        status: 413,
      },
    ];

    it.each(BODY_CASES)(
      '$name → $status problem on create and rename',
      async ({ contentType, encoding, body, status, bodyField }) => {
        if (status === 413) {
          expect(Buffer.byteLength(body)).toBe(16 * 1024 + 1);
        }
        // fastify.inject sends the bytes as given (supertest would re-serialize a Buffer).
        for (const url of [`${API}/sessions`, `${API}/sessions/x`]) {
          const injected = await t.app
            .getHttpAdapter()
            .getInstance()
            .inject({
              method: url.endsWith('/x') ? 'PATCH' : 'POST',
              url,
              headers: {
                ...bearer(3),
                ...(contentType ? { 'content-type': contentType } : {}),
                ...(encoding ? { 'content-encoding': encoding } : {}),
              },
              payload: body,
            });
          const response = {
            status: injected.statusCode,
            headers: injected.headers,
            text: injected.body,
            body: injected.json<Record<string, unknown>>(),
          };
          expectProblem(response, status, {
            type: expect.any(String),
            detail: expect.any(String),
          });
          expect(response.text).not.toContain('secret-payload');
          if (bodyField) {
            expect(response.body.errors).toEqual([
              { field: 'body', message: expect.any(String) },
            ]);
          }
        }
      },
    );

    it('a body of exactly 16 KiB is accepted', async () => {
      const body = `{"title":"sixteen","pad":"${'x'.repeat(16 * 1024 - 28)}"}`;
      expect(Buffer.byteLength(body)).toBe(16 * 1024);
      const response = await post()
        .set('Content-Type', 'application/json')
        .send(body);
      expect(response.status).toBe(201);
    });

    it('a title next to __proto__ is created and nothing is polluted', async () => {
      const response = await post()
        .set('Content-Type', 'application/json')
        .send(
          '{"title":"proto","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
        );
      expect(response.status).toBe(201);
      expect(response.body).not.toHaveProperty('polluted');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('paths', () => {
    /** `method url` as user 4; a PATCH carries a valid body, so only the path is hostile. */
    const callPath = (method: string, url: string) => {
      const call = (
        request(t.server) as unknown as Record<
          string,
          (p: string) => request.Test
        >
      )
        [method](url)
        .set(bearer(4));
      return method === 'patch' ? call.send({ title: 'x' }) : call;
    };

    it.each([
      ['post', `${API}/sessions/active/%`],
      ['post', `${API}/sessions/active/%E0%A4%A`],
      ['post', `${API}/sessions/active/%ZZ`],
      ['patch', `${API}/sessions/%C0%AF`],
      ['patch', `${API}/sessions/%ED%A0%80`],
      ['delete', `${API}/sessions/%FF`],
      ['delete', `${API}/sessions/abc%`],
    ])('%s %s → 400 problem, the escape not echoed', async (method, url) => {
      const response = await callPath(method, url);
      expectProblem(response, 400);
      expect(response.text).not.toMatch(/%[0-9A-F]{0,2}/i);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    });

    it.each([
      ['post', `${API}/sessions/active/%00`],
      ['patch', `${API}/sessions/a%00b`],
      ['delete', `${API}/sessions/%00`],
    ])(
      '%s %s (a NUL PostgreSQL cannot store) → 404, not 500',
      async (method, url) => {
        const response = await callPath(method, url);
        expect(response.status).toBe(404);
      },
    );

    it('a 4 KiB title segment that is not a session is a 404, not a crash', async () => {
      const response = await request(t.server)
        .delete(`${API}/sessions/${'a'.repeat(4000)}`)
        .set(bearer(4));
      expect(response.status).toBe(404);
    });
  });
});
