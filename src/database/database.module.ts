import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config';
import { buildDataSourceOptions } from './database.options';
import { EmbeddedPostgres } from './embedded/embedded-postgres';
import { EmbeddedPostgresModule } from './embedded/embedded-postgres.module';
import { MigrationRunner } from './migration-runner';

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
          retryAttempts: 0,
        };
      },
    }),
  ],
  providers: [MigrationRunner],
})
export class DatabaseModule {}
