import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Readiness answers within ~2 s even when PostgreSQL hangs instead of refusing. */
export const DATABASE_CHECK_TIMEOUT_MS = 1_500;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * PostgreSQL is ready when it answers and every migration this build ships has been
 * applied: one query on the migrations table proves both.
 */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly health: HealthIndicatorService,
  ) {}

  async isReady(key = 'database') {
    const indicator = this.health.check(key);
    const table = this.dataSource.options.migrationsTableName ?? 'migrations';
    try {
      const rows = await withTimeout(
        this.dataSource.query<Array<{ name: string }>>(
          `SELECT name FROM "${table}"`,
        ),
        DATABASE_CHECK_TIMEOUT_MS,
      );
      const applied = new Set(rows.map((row) => row.name));
      const pending = this.dataSource.migrations
        .map((migration) => migration.name ?? migration.constructor.name)
        .filter((name) => !applied.has(name));
      return pending.length === 0
        ? indicator.up({ migrations: 'applied' })
        : indicator.down({ message: 'migrations pending', pending });
    } catch (error) {
      return indicator.down({
        message: describeDatabaseFailure(error),
      });
    }
  }
}

/** Enough for an operator, never a driver message with connection details. */
function describeDatabaseFailure(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '42P01') {
    return 'migrations table missing: migrations have not run';
  }
  if (error instanceof Error && error.message.startsWith('no answer within')) {
    return error.message;
  }
  return 'unreachable';
}
