import { join } from 'node:path';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import type { AppConfig, PostgresSettings } from '../config';

/** Bounded waits so an unreachable PostgreSQL becomes a 503, never a hung request. */
export const CONNECT_TIMEOUT_MS = 2_000;
export const STATEMENT_TIMEOUT_MS = 5_000;

/**
 * The one place that turns configuration into TypeORM options. `ormconfig.ts` (CLI)
 * and `DatabaseModule` (runtime) both call it, so they cannot disagree.
 */
export function buildDataSourceOptions(
  postgres: PostgresSettings,
  config: Pick<AppConfig, 'dbPoolSize'>,
): PostgresConnectionOptions {
  const connection = postgres.url
    ? { url: postgres.url }
    : {
        host: postgres.host,
        port: postgres.port,
        username: postgres.username,
        password: postgres.password,
        database: postgres.database,
      };
  return {
    type: 'postgres',
    ...connection,
    uuidExtension: 'pgcrypto',
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'migrations',
    migrations: [join(__dirname, 'migrations', '*.{ts,js}')],
    poolSize: config.dbPoolSize,
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
    extra: {
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      query_timeout: STATEMENT_TIMEOUT_MS + 1_000,
      idle_in_transaction_session_timeout: STATEMENT_TIMEOUT_MS * 2,
      application_name: 'session-service',
    },
  };
}
