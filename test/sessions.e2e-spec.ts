import request from 'supertest';
import { testBackendName, useTestApp } from './helpers/test-app';
import { queryDatabase } from './helpers/test-database';
import { bearer } from './helpers/tokens';
import { API, PROBLEM_JSON, UUID } from './helpers/constants';
import { expectProblem } from './helpers/problem';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe(`Sessions API on ${testBackendName()}`, () => {
  const t = useTestApp({}, { resetEachTest: true });
  const alice = bearer(1);
  const bob = bearer(2);

  /** POST /sessions as alice, body still to send: for bodies `create` cannot make. */
  const post = () => request(t.server).post(`${API}/sessions`).set(alice);
  const create = (title: string, auth = alice) =>
    request(t.server).post(`${API}/sessions`).set(auth).send({ title });
  const list = (auth = alice) =>
    request(t.server).get(`${API}/sessions`).set(auth);
  const active = (auth = alice) =>
    request(t.server).get(`${API}/sessions/active`).set(auth);
  const activate = (title: string, auth = alice) =>
    request(t.server)
      .post(`${API}/sessions/active/${encodeURIComponent(title)}`)
      .set(auth);
  const remove = (title: string, auth = alice) =>
    request(t.server)
      .delete(`${API}/sessions/${encodeURIComponent(title)}`)
      .set(auth);
  const rename = (title: string, newTitle: unknown, auth = alice) =>
    request(t.server)
      .patch(`${API}/sessions/${encodeURIComponent(title)}`)
      .set(auth)
      .send({ title: newTitle });
  const deactivate = (auth = alice) =>
    request(t.server).post(`${API}/sessions/deactivate`).set(auth);

  const activeRows = async (userId = 1) =>
    queryDatabase<{ title: string }>(
      t.database.url,
      'SELECT title FROM sessions WHERE user_id = $1 AND active ORDER BY title',
      [userId],
    );

  describe('GET /sessions', () => {
    it('answers an empty array for a new user, with and without the trailing slash', async () => {
      for (const path of [`${API}/sessions`, `${API}/sessions/`]) {
        const response = await request(t.server).get(path).set(alice);
        expect(response.status).toBe(200);
        expect(response.body).toEqual([]);
        expect(response.headers['cache-control']).toBe('no-store');
      }
    });

    it('lists sessions oldest first with every field', async () => {
      for (const title of ['first', 'second', 'third']) {
        expect((await create(title)).status).toBe(201);
      }
      const response = await list();
      expect(response.status).toBe(200);
      expect(response.body.map((s: { title: string }) => s.title)).toEqual([
        'first',
        'second',
        'third',
      ]);
      for (const session of response.body) {
        expect(Object.keys(session).sort()).toEqual(
          [
            'active',
            'created_at',
            'id',
            'title',
            'updated_at',
            'user_id',
          ].sort(),
        );
        expect(session.id).toMatch(UUID);
        expect(session.user_id).toBe(1);
        expect(session.created_at).toMatch(ISO_UTC);
        expect(session.updated_at).toMatch(ISO_UTC);
      }
      expect(response.body.map((s: { active: boolean }) => s.active)).toEqual([
        false,
        false,
        true,
      ]);
    });
  });

  describe('POST /sessions', () => {
    it('creates an active session (201), with and without the trailing slash', async () => {
      const first = await post().send({ title: 'one' });
      const second = await request(t.server)
        .post(`${API}/sessions/`)
        .set(alice)
        .send({ title: 'two' });
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.body).toEqual({
        id: expect.stringMatching(UUID),
        user_id: 1,
        title: 'two',
        active: true,
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: expect.stringMatching(ISO_UTC),
      });
      expect(await activeRows()).toEqual([{ title: 'two' }]);
    });

    it('R1: rejects a duplicate title with 409 and changes nothing', async () => {
      await create('dup');
      await create('other');
      const response = await create('dup');
      expectProblem(response, 409, {
        type: 'urn:session-service:problem:session-title-taken',
        title: 'Conflict',
        detail: "Session with title 'dup' already exists for user_id=1",
      });
      expect(await activeRows()).toEqual([{ title: 'other' }]);
    });

    it('R1: titles are exact: case and surrounding spaces make them different', async () => {
      for (const title of ['Work', 'work', ' work', 'work ']) {
        expect((await create(title)).status).toBe(201);
      }
      expect((await list()).body).toHaveLength(4);
    });

    it('the same title may exist for two users', async () => {
      expect((await create('shared', alice)).status).toBe(201);
      expect((await create('shared', bob)).status).toBe(201);
    });

    it('ignores unknown body fields', async () => {
      const response = await post().send({
        title: 'x',
        user_id: 99,
        active: false,
        id: 'nope',
      });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        title: 'x',
        user_id: 1,
        active: true,
      });
    });

    it.each([
      ['empty', ''],
      ['whitespace only', ' \t '],
      ['256 characters', 'x'.repeat(256)],
      ['a NUL character', 'a\u0000b'],
      ['a newline', 'a\nb'],
      ['DEL', 'a\u007fb'],
      ['a number', 42],
      ['null', null],
      ['an object', { text: 'x' }],
    ])(
      'answers 422 with errors[] for a title that is %s',
      async (_case, title) => {
        const response = await post().send({ title });
        expectProblem(response, 422, {
          type: 'urn:session-service:problem:validation-failed',
          title: 'Unprocessable Entity',
          detail: expect.any(String),
          errors: [{ field: 'title', message: expect.any(String) }],
        });
        expect((await list()).body).toEqual([]);
      },
    );

    it('answers 422 when the title is missing', async () => {
      const response = await post().send({});
      expect(response.status).toBe(422);
      expect(response.body.errors[0].field).toBe('title');
    });

    it('accepts a 255-character title, counted in characters not UTF-16 units', async () => {
      expect((await create('x'.repeat(255))).status).toBe(201);
      expect((await create('🚀'.repeat(255))).status).toBe(201);
      expect((await create('🚀'.repeat(256))).status).toBe(422);
    });

    it('answers 400 for malformed JSON without echoing the payload', async () => {
      const payload = '{"title": "secret-payload-marker"';
      const response = await post()
        .set('Content-Type', 'application/json')
        .send(payload);
      expectProblem(response, 400, { detail: expect.any(String) });
      expect(response.text).not.toContain('secret-payload-marker');
    });

    it.each([
      ['JSON null', 'null'],
      ['a JSON string', '"x"'],
      ['a JSON array', '[1]'],
    ])('answers 422 for %s as the body', async (_case, body) => {
      const response = await post()
        .set('Content-Type', 'application/json')
        .send(body);
      expect(response.status).toBe(422);
      expect(response.body.errors).toEqual([
        { field: 'body', message: expect.any(String) },
      ]);
    });

    it('answers 415 for a body that is not JSON', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        const response = await post().set('Content-Type', type).send('title=x');
        expectProblem(response, 415);
      }
    });

    it('answers 413 for a body over 16 KiB', async () => {
      const response = await post()
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ title: 'x', pad: 'y'.repeat(16 * 1024) }));
      expectProblem(response, 413, { title: 'Payload Too Large' });
      expect((await list()).body).toEqual([]);
    });
  });

  describe('GET /sessions/active', () => {
    it('answers 404 when no session is active', async () => {
      expectProblem(await active(), 404, {
        type: 'urn:session-service:problem:active-session-not-found',
        detail: 'No active session found for user_id=1',
      });
    });

    it('answers the active id as a JSON string', async () => {
      const { body: session } = await create('current');
      const response = await active();
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.text).toBe(JSON.stringify(session.id));
      expect(response.body).toBe(session.id);
    });
  });

  describe('POST /sessions/active/{title}', () => {
    it('R4: activates by title and deactivates the previous one', async () => {
      const { body: a } = await create('A');
      await create('B');
      const response = await activate('A');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        detail: "'A' set as active session for user_id=1",
      });
      expect(await activeRows()).toEqual([{ title: 'A' }]);
      expect((await active()).body).toBe(a.id);
    });

    it('R4: activating the active session succeeds and changes nothing', async () => {
      await create('A');
      const before = await list();
      const response = await activate('A');
      expect(response.status).toBe(200);
      expect((await list()).body).toEqual(before.body);
    });

    it('answers 404 for an unknown title', async () => {
      await create('A');
      const response = await activate('missing');
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({
        type: 'urn:session-service:problem:session-not-found',
        detail: "Session with title 'missing' not found for user_id=1",
      });
      expect(await activeRows()).toEqual([{ title: 'A' }]);
    });
  });

  describe('DELETE /sessions/{title}', () => {
    it('deletes an inactive session', async () => {
      await create('old');
      await create('new');
      const response = await remove('old');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ detail: 'Session deleted successfully' });
      expect(
        (await list()).body.map((s: { title: string }) => s.title),
      ).toEqual(['new']);
    });

    it('R5: refuses to delete the active session (400) and changes nothing', async () => {
      await create('only');
      expectProblem(await remove('only'), 400, {
        type: 'urn:session-service:problem:active-session-deletion',
      });
      expect(await activeRows()).toEqual([{ title: 'only' }]);
    });

    it('answers 404 for an unknown title', async () => {
      expect((await remove('ghost')).status).toBe(404);
    });
  });

  describe('POST /sessions/deactivate', () => {
    it('deactivates the active session; afterwards none is active', async () => {
      await create('A');
      const response = await deactivate();
      expect(response.status).toBe(200);
      expect(response.body.detail).toEqual(expect.any(String));
      expect(await activeRows()).toEqual([]);
      expect((await active()).status).toBe(404);
      expect((await remove('A')).status).toBe(200);
    });

    it('answers 404 when nothing is active', async () => {
      expect((await deactivate()).status).toBe(404);
      await create('A');
      await deactivate();
      expect((await deactivate()).status).toBe(404);
    });
  });

  describe('PATCH /sessions/{title}', () => {
    it('renames, keeping the id and the active flag', async () => {
      const { body: a } = await create('A');
      await create('B');
      const response = await rename('A', 'A2');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        id: a.id,
        title: 'A2',
        active: false,
        user_id: 1,
      });
      const renamedActive = await rename('B', 'B2');
      expect(renamedActive.body).toMatchObject({ title: 'B2', active: true });
    });

    it('answers 404, 409 and 422 as documented', async () => {
      await create('A');
      await create('B');
      expect((await rename('missing', 'x')).status).toBe(404);
      const taken = await rename('A', 'B');
      expect(taken.status).toBe(409);
      expect(taken.body.type).toBe(
        'urn:session-service:problem:session-title-taken',
      );
      expect((await rename('A', '')).status).toBe(422);
      expect((await rename('A', 'x'.repeat(256))).status).toBe(422);
      expect(
        (await list()).body.map((s: { title: string }) => s.title),
      ).toEqual(['A', 'B']);
    });

    it('renaming to the same title is a no-op success', async () => {
      const { body: a } = await create('A');
      const response = await rename('A', 'A');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: a.id, title: 'A' });
    });
  });

  describe('titles in paths', () => {
    it.each([
      'a/b',
      '50% off',
      '日本語 🚀',
      'active',
      'deactivate',
      'what?#hash',
      'a%2Fb',
      '..',
    ])('round-trips %j through activate, rename and delete', async (title) => {
      await create(title);
      await create('other');
      expect((await activate(title)).body).toEqual({
        detail: `'${title}' set as active session for user_id=1`,
      });
      expect(await activeRows()).toEqual([{ title }]);
      const renamed = await rename(title, `${title}!`);
      expect(renamed.status).toBe(200);
      expect(renamed.body.title).toBe(`${title}!`);
      expect((await rename(`${title}!`, title)).status).toBe(200);
      await activate('other');
      expect((await remove(title)).status).toBe(200);
      expect(
        (await list()).body.map((s: { title: string }) => s.title),
      ).toEqual(['other']);
    });

    it('DELETE /sessions/active deletes the session titled "active"', async () => {
      await create('active');
      await create('keep');
      const response = await request(t.server)
        .delete(`${API}/sessions/active`)
        .set(alice);
      expect(response.status).toBe(200);
      expect(
        (await list()).body.map((s: { title: string }) => s.title),
      ).toEqual(['keep']);
    });

    it('answers 400 for a malformed percent-escape, without echoing it', async () => {
      const response = await request(t.server)
        .post(`${API}/sessions/active/bad%ZZmarker`)
        .set(alice);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(response.text).not.toContain('marker');
    });
  });

  describe('errors', () => {
    it('answers an unknown route with a 404 problem', async () => {
      const response = await request(t.server)
        .get(`${API}/nothing-here`)
        .set(alice);
      expectProblem(response, 404, { type: 'about:blank', title: 'Not Found' });
    });

    it('answers a wrong method on a known path with a problem, not a 500', async () => {
      const response = await request(t.server)
        .put(`${API}/sessions`)
        .set(alice);
      expect([404, 405]).toContain(response.status);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
    });
  });

  describe('isolation between users', () => {
    it('never shows, activates, renames or deletes another user’s sessions', async () => {
      await create('mine', alice);
      await create('spare', alice);
      expect((await list(bob)).body).toEqual([]);
      expect((await active(bob)).status).toBe(404);
      expect((await activate('mine', bob)).status).toBe(404);
      expect((await rename('spare', 'stolen', bob)).status).toBe(404);
      expect((await remove('mine', bob)).status).toBe(404);
      expect((await deactivate(bob)).status).toBe(404);
      expect(
        (await list(alice)).body.map((s: { title: string }) => s.title),
      ).toEqual(['mine', 'spare']);
    });

    it('never serves one user’s cached answer to another', async () => {
      const { body: aliceSession } = await create('a-session', alice);
      const { body: bobSession } = await create('b-session', bob);
      for (let round = 0; round < 3; round += 1) {
        expect((await active(alice)).body).toBe(aliceSession.id);
        expect((await active(bob)).body).toBe(bobSession.id);
        expect(
          (await list(alice)).body.map((s: { id: string }) => s.id),
        ).toEqual([aliceSession.id]);
        expect((await list(bob)).body.map((s: { id: string }) => s.id)).toEqual(
          [bobSession.id],
        );
      }
      expect((await active(bearer(3))).status).toBe(404);
      expect((await list(bearer(3))).body).toEqual([]);
    });
  });

  describe('R8: read-your-writes through the cache', () => {
    it('every mutation is visible to the next read even when the reads were cached', async () => {
      await create('A');
      const { body: b } = await create('B');
      expect((await active()).body).toBe(b.id);
      expect((await list()).body).toHaveLength(2);

      await activate('A');
      const a = (await list()).body.find(
        (s: { title: string }) => s.title === 'A',
      );
      expect((await active()).body).toBe(a.id);

      await rename('B', 'B2');
      expect(
        (await list()).body.map((s: { title: string }) => s.title),
      ).toEqual(['A', 'B2']);

      await remove('B2');
      expect(
        (await list()).body.map((s: { title: string }) => s.title),
      ).toEqual(['A']);

      await deactivate();
      expect((await active()).status).toBe(404);
      expect((await list()).body[0].active).toBe(false);
    });
  });
});
