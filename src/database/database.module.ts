import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import type { AppConfig } from '../config';
import {
  connectionTarget,
  DatabaseStartError,
  describeConnectionFailure,
} from './database-errors';
import { buildDataSourceOptions } from './database.options';
import { EmbeddedPostgres } from './embedded/embedded-postgres';
import { EmbeddedPostgresModule } from './embedded/embedded-postgres.module';
import { MigrationRunner } from './migration-runner';

/** Connects once; a failure becomes one line naming where (see the README's start-up notes). */
async function connect(options?: DataSourceOptions): Promise<DataSource> {
  const dataSource = new DataSource(options!);
  try {
    return await dataSource.initialize();
  } catch (error) {
    throw new DatabaseStartError(
      describeConnectionFailure(
        error,
        connectionTarget(options as PostgresConnectionOptions),
      ),
    );
  }
}

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      imports: [EmbeddedPostgresModule],
      inject: [ConfigService, EmbeddedPostgres],
      useFactory: async (
        config: ConfigService<AppConfig, true>,
        embedded: EmbeddedPostgres,
      ) => {
        const postgres =
          config.get('postgres', { infer: true }) ?? (await embedded.start());
        return {
          ...buildDataSourceOptions(postgres, {
            dbPoolSize: config.getOrThrow('dbPoolSize', { infer: true }),
          }),
          autoLoadEntities: true,
          // The service does not wait for PostgreSQL at start: the first failure is
          // the answer (and TypeORM's "Retrying (1)..." line never appears).
          retryAttempts: 0,
          toRetry: () => false,
        };
      },
      dataSourceFactory: connect,
    }),
  ],
  providers: [MigrationRunner],
})
export class DatabaseModule {}
