/** The SQL the sessions repository runs, shared with the benchmark's framework-free floor. */

/** First key of `pg_advisory_xact_lock(int, int)`: the per-user session lock space. */
export const USER_SESSIONS_LOCK_SPACE = 0x5e55_1011;

const COLUMNS =
  '"id", "user_id", "title", "active", "created_at", "updated_at"';

/**
 * Plain statements rather than TypeORM's query builders and `save()`: those cost more CPU
 * per request than PostgreSQL spent answering (docs/benchmarks.md).
 */
export const SESSION_STATEMENTS = {
  lockUser: 'SELECT pg_advisory_xact_lock($1, $2)',
  listOldestFirst: `SELECT ${COLUMNS} FROM "sessions" WHERE "user_id" = $1 ORDER BY "created_at" ASC, "id" ASC`,
  activeId:
    'SELECT "id" FROM "sessions" WHERE "user_id" = $1 AND "active" LIMIT 1',
  findActive: `SELECT ${COLUMNS} FROM "sessions" WHERE "user_id" = $1 AND "active" LIMIT 1`,
  findByTitle: `SELECT ${COLUMNS} FROM "sessions" WHERE "user_id" = $1 AND "title" = $2 LIMIT 1`,
  countAndTitleTaken:
    'SELECT count(*)::int AS "total", coalesce(bool_or("title" = $2), false) AS "taken" FROM "sessions" WHERE "user_id" = $1',
  titleTaken:
    'SELECT EXISTS (SELECT 1 FROM "sessions" WHERE "user_id" = $1 AND "title" = $2) AS "taken"',
  insertActive: `INSERT INTO "sessions" ("user_id", "title", "active") VALUES ($1, $2, true) RETURNING ${COLUMNS}`,
  deactivateAll:
    'UPDATE "sessions" SET "active" = false, "updated_at" = now() WHERE "user_id" = $1 AND "active"',
  activate:
    'UPDATE "sessions" SET "active" = true, "updated_at" = now() WHERE "id" = $1',
  deactivate:
    'UPDATE "sessions" SET "active" = false, "updated_at" = now() WHERE "id" = $1',
  rename: `UPDATE "sessions" SET "title" = $2, "updated_at" = now() WHERE "id" = $1 RETURNING ${COLUMNS}`,
  delete: 'DELETE FROM "sessions" WHERE "id" = $1',
} as const;
