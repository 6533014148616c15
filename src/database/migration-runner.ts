import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config';

/** Key of the session-level advisory lock that lets one instance migrate at a time. */
const MIGRATION_LOCK = 0x5e55_0001;

/**
 * Applies pending migrations on start (unless `DB_MIGRATIONS_RUN=false`), as the FastAPI
 * service created its table on start. Instances booting together take turns on an
 * advisory lock, so each migration runs exactly once.
 */
@Injectable()
export class MigrationRunner implements OnModuleInit {
  private readonly logger = new Logger(MigrationRunner.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.getOrThrow('migrationsRun', { infer: true })) {
      return;
    }
    const lockHolder = this.dataSource.createQueryRunner();
    await lockHolder.connect();
    try {
      await lockHolder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      const applied = await this.dataSource.runMigrations({
        transaction: 'each',
      });
      applied.forEach((migration) =>
        this.logger.log(`Applied migration ${migration.name}`),
      );
    } finally {
      await lockHolder
        .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK])
        .catch(() => undefined);
      await lockHolder.release();
    }
  }
}
