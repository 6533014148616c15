import type { ApiClient } from './api-client';
import { queryDatabase } from './test-database';

interface SessionRow {
  id: string;
  user_id: number;
  title: string;
  active: boolean;
}

/** Rules R1 and R2 read straight from the database. */
export async function databaseViolations(databaseUrl: string) {
  const severalActive = await queryDatabase(
    databaseUrl,
    'SELECT user_id, count(*)::int AS n FROM sessions WHERE active GROUP BY user_id HAVING count(*) > 1',
  );
  const duplicateTitles = await queryDatabase(
    databaseUrl,
    'SELECT user_id, title, count(*)::int AS n FROM sessions GROUP BY user_id, title HAVING count(*) > 1',
  );
  return { severalActive, duplicateTitles };
}

export async function activeIdsInDatabase(
  databaseUrl: string,
): Promise<Map<number, string>> {
  const rows = await queryDatabase<{ user_id: number; id: string }>(
    databaseUrl,
    'SELECT user_id, id FROM sessions WHERE active',
  );
  return new Map(rows.map((row) => [row.user_id, row.id]));
}

/**
 * What each client answers for `user`: the active id from `GET /sessions/active` and
 * the active row of `GET /sessions`. Both must equal the database's active row.
 */
export async function apiViews(client: ApiClient, user: number) {
  const [active, list] = await Promise.all([
    client.active(user),
    client.list(user),
  ]);
  const rows = list.body as SessionRow[];
  const activeRows = Array.isArray(rows)
    ? rows.filter((row) => row.active)
    : [];
  return {
    activeStatus: active.status,
    activeId: active.status === 200 ? (active.body as string) : null,
    listStatus: list.status,
    listActiveIds: activeRows.map((row) => row.id),
  };
}

/** Asserts R1, R2 and agreement between the database and every client, for `users`. */
export async function expectInvariants(
  databaseUrl: string,
  clients: ApiClient[],
  users: number[],
): Promise<void> {
  await expect(databaseViolations(databaseUrl)).resolves.toEqual({
    severalActive: [],
    duplicateTitles: [],
  });
  const truth = await activeIdsInDatabase(databaseUrl);
  for (const client of clients) {
    for (const user of users) {
      const expected = truth.get(user) ?? null;
      await expect(apiViews(client, user)).resolves.toEqual({
        activeStatus: expected ? 200 : 404,
        activeId: expected,
        listStatus: 200,
        listActiveIds: expected ? [expected] : [],
      });
    }
  }
}
