import { MigrationInterface, QueryRunner } from 'typeorm';

interface RepairedRow {
  id: string;
  user_id: number;
  title: string;
}

/**
 * Creates `sessions`, or adopts the table the FastAPI service created (same columns,
 * nullable flags, no unique constraints) and repairs what its races left behind:
 *
 * - several active rows for one user: the most recently updated stays active
 *   (ties: newest `created_at`, then highest `id`), the others are deactivated;
 * - duplicate titles for one user: the oldest row (`created_at`, then `id`) keeps the
 *   title, each other one is renamed to `<title> (<its id>)`.
 *
 * Every repaired row is logged with its id, so operators can tell users what moved.
 */
export class CreateSessions1764288000000 implements MigrationInterface {
  name = 'CreateSessions1764288000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS "sessions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" integer NOT NULL,
        "title" character varying NOT NULL,
        "active" boolean NOT NULL DEFAULT false,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_sessions_id" PRIMARY KEY ("id")
      )`);

    await queryRunner.query(
      `UPDATE "sessions" SET "active" = false WHERE "active" IS NULL`,
    );
    await queryRunner.query(
      `UPDATE "sessions" SET "created_at" = now() WHERE "created_at" IS NULL`,
    );
    await queryRunner.query(
      `UPDATE "sessions" SET "updated_at" = "created_at" WHERE "updated_at" IS NULL`,
    );
    await queryRunner.query(`
      ALTER TABLE "sessions"
        ALTER COLUMN "id" SET DEFAULT gen_random_uuid(),
        ALTER COLUMN "active" SET DEFAULT false,
        ALTER COLUMN "active" SET NOT NULL,
        ALTER COLUMN "created_at" SET DEFAULT now(),
        ALTER COLUMN "created_at" SET NOT NULL,
        ALTER COLUMN "updated_at" SET DEFAULT now(),
        ALTER COLUMN "updated_at" SET NOT NULL`);

    const deactivated: RepairedRow[] = await queryRunner.query(`
      WITH ranked AS (
        SELECT "id", row_number() OVER (
          PARTITION BY "user_id"
          ORDER BY "updated_at" DESC, "created_at" DESC, "id" DESC
        ) AS rank
        FROM "sessions" WHERE "active"
      )
      UPDATE "sessions" s SET "active" = false
      FROM ranked WHERE s."id" = ranked."id" AND ranked.rank > 1
      RETURNING s."id", s."user_id", s."title"`);
    this.report(queryRunner, 'deactivated (extra active session)', deactivated);

    const renamed: RepairedRow[] = await queryRunner.query(`
      WITH ranked AS (
        SELECT "id", row_number() OVER (
          PARTITION BY "user_id", "title"
          ORDER BY "created_at", "id"
        ) AS rank
        FROM "sessions"
      )
      UPDATE "sessions" s SET "title" = s."title" || ' (' || s."id" || ')'
      FROM ranked WHERE s."id" = ranked."id" AND ranked.rank > 1
      RETURNING s."id", s."user_id", s."title"`);
    this.report(queryRunner, 'renamed (duplicate title)', renamed);

    await queryRunner.query(`
      DO $$ BEGIN
        IF NOT EXISTS (
          SELECT 1 FROM pg_constraint WHERE conname = 'UQ_sessions_user_id_title'
        ) THEN
          ALTER TABLE "sessions"
            ADD CONSTRAINT "UQ_sessions_user_id_title" UNIQUE ("user_id", "title");
        END IF;
      END $$`);
    await queryRunner.query(`
      CREATE UNIQUE INDEX IF NOT EXISTS "UQ_sessions_active_user_id"
        ON "sessions" ("user_id") WHERE "active"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP INDEX IF EXISTS "UQ_sessions_active_user_id"`,
    );
    await queryRunner.query(
      `ALTER TABLE "sessions" DROP CONSTRAINT IF EXISTS "UQ_sessions_user_id_title"`,
    );
  }

  private report(
    queryRunner: QueryRunner,
    action: string,
    result: RepairedRow[] | [RepairedRow[], number],
  ): void {
    const rows = Array.isArray(result[0])
      ? result[0]
      : (result as RepairedRow[]);
    for (const row of rows) {
      queryRunner.connection.logger.log(
        'warn',
        `sessions adoption: ${action}: id=${row.id} user_id=${row.user_id} title=${JSON.stringify(row.title)}`,
      );
    }
  }
}
