import request from 'supertest';
import { useTestApp, withTestApp } from './helpers/test-app';
import {
  createTestDatabase,
  queryDatabase,
  TestDatabase,
} from './helpers/test-database';
import { bearer } from './helpers/tokens';
import { SESSIONS } from './helpers/constants';

/** The table exactly as the FastAPI service's `Base.metadata.create_all()` left it. */
const FASTAPI_SCHEMA = `
  CREATE TABLE sessions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id INTEGER NOT NULL,
    title VARCHAR NOT NULL,
    active BOOLEAN DEFAULT FALSE,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
  );
  CREATE INDEX idx_sessions_user_id ON sessions(user_id);
  CREATE INDEX idx_sessions_active ON sessions(user_id, active) WHERE active = TRUE;
`;

/** What the FastAPI service's races could leave behind. */
const FASTAPI_ROWS = `
  INSERT INTO sessions (id, user_id, title, active, created_at, updated_at) VALUES
    ('00000000-0000-4000-8000-000000000001', 1, 'report', true,  '2025-01-01T10:00:00Z', '2025-01-01T10:00:00Z'),
    ('00000000-0000-4000-8000-000000000002', 1, 'report', true,  '2025-01-02T10:00:00Z', '2025-01-03T10:00:00Z'),
    ('00000000-0000-4000-8000-000000000003', 1, 'notes',  false, '2025-01-01T09:00:00Z', '2025-01-01T09:00:00Z'),
    ('00000000-0000-4000-8000-000000000004', 2, 'alpha',  NULL,  '2025-01-01T09:00:00Z', NULL),
    ('00000000-0000-4000-8000-000000000005', 2, 'beta',   true,  NULL,                   '2025-01-01T09:00:00Z'),
    ('00000000-0000-4000-8000-000000000006', 3, 'solo',   true,  '2025-01-01T09:00:00Z', '2025-01-01T09:00:00Z');
`;

describe('Adopting the table the FastAPI service created', () => {
  let legacy: TestDatabase;

  beforeAll(async () => {
    legacy = await createTestDatabase();
    await queryDatabase(legacy.url, FASTAPI_SCHEMA);
    await queryDatabase(legacy.url, FASTAPI_ROWS);
  });
  const t = useTestApp(() => ({ env: { DATABASE_URL: legacy.url } }));
  afterAll(async () => {
    await legacy?.drop();
  });

  const rows = () =>
    queryDatabase<{
      id: string;
      user_id: number;
      title: string;
      active: boolean;
    }>(
      legacy.url,
      'SELECT id, user_id, title, active FROM sessions ORDER BY id',
    );

  it('keeps every row and repairs them by the documented rule', async () => {
    expect(await rows()).toEqual([
      // user 1: both "report" rows were active: the most recently updated (…02) stays active,
      // and, being the newer of the two duplicates, takes the "(<id>)" suffix.
      {
        id: '00000000-0000-4000-8000-000000000001',
        user_id: 1,
        title: 'report',
        active: false,
      },
      {
        id: '00000000-0000-4000-8000-000000000002',
        user_id: 1,
        title: 'report (00000000-0000-4000-8000-000000000002)',
        active: true,
      },
      {
        id: '00000000-0000-4000-8000-000000000003',
        user_id: 1,
        title: 'notes',
        active: false,
      },
      {
        id: '00000000-0000-4000-8000-000000000004',
        user_id: 2,
        title: 'alpha',
        active: false,
      },
      {
        id: '00000000-0000-4000-8000-000000000005',
        user_id: 2,
        title: 'beta',
        active: true,
      },
      {
        id: '00000000-0000-4000-8000-000000000006',
        user_id: 3,
        title: 'solo',
        active: true,
      },
    ]);
  });

  it('adds the constraints and tightens the columns', async () => {
    const constraints = await queryDatabase<{ name: string }>(
      legacy.url,
      `SELECT conname AS name FROM pg_constraint WHERE conrelid = 'sessions'::regclass ORDER BY 1`,
    );
    expect(constraints.map((c) => c.name)).toContain(
      'UQ_sessions_user_id_title',
    );
    const indexes = await queryDatabase<{ indexdef: string }>(
      legacy.url,
      `SELECT indexdef FROM pg_indexes WHERE indexname = 'UQ_sessions_active_user_id'`,
    );
    expect(indexes[0].indexdef).toMatch(
      /UNIQUE INDEX .* \(user_id\) WHERE active/,
    );
    const nullable = await queryDatabase<{ column_name: string }>(
      legacy.url,
      `SELECT column_name FROM information_schema.columns
       WHERE table_name = 'sessions' AND is_nullable = 'YES'`,
    );
    expect(nullable).toEqual([]);
  });

  it('enforces R1 and R2 in the database itself', async () => {
    await expect(
      queryDatabase(
        legacy.url,
        `INSERT INTO sessions (user_id, title) VALUES (3, 'solo')`,
      ),
    ).rejects.toThrow(/UQ_sessions_user_id_title/);
    await expect(
      queryDatabase(
        legacy.url,
        `INSERT INTO sessions (user_id, title, active) VALUES (3, 'x', true)`,
      ),
    ).rejects.toThrow(/UQ_sessions_active_user_id/);
  });

  it('serves the adopted rows through the API', async () => {
    const response = await request(t.server)
      .get(`${SESSIONS}/active`)
      .set(bearer(1));
    expect(response.body).toBe('00000000-0000-4000-8000-000000000002');
    const listed = await request(t.server).get(SESSIONS).set(bearer(2));
    expect(listed.body.map((s: { title: string }) => s.title).sort()).toEqual([
      'alpha',
      'beta',
    ]);
  });

  it('a second start finds nothing left to migrate', async () => {
    await withTestApp({ env: { DATABASE_URL: legacy.url } }, async () => {
      const applied = await queryDatabase<{ name: string }>(
        legacy.url,
        'SELECT name FROM migrations',
      );
      expect(applied.map((m) => m.name)).toEqual([
        'CreateSessions1764288000000',
        'CreateIdempotencyKeys1764900000000',
      ]);
    });
  });
});
