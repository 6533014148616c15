import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config';
import { buildDataSourceOptions } from './database.options';
import { MigrationRunner } from './migration-runner';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => {
        const postgres = config.get('postgres', { infer: true });
        if (!postgres) {
          throw new Error(
            'No database configured: set DATABASE_URL or DB_HOST/DB_PORT/DB_USER/DB_PASS/DB_NAME',
          );
        }
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
