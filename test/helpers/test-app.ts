import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { buildConfiguration } from '../../src/config';
import {
  configureApp,
  createFastifyAdapter,
  NEST_APP_OPTIONS,
} from '../../src/configure-app';
import { ContractViolationError, ResponseRecorder } from './openapi-contract';
import { EmbeddedPostgres } from '../../src/database/embedded/embedded-postgres';
import { createEmbeddedDataDir } from './embedded-data-dir';
import { createTestDatabase, TestDatabase } from './test-database';
import { TestRedis } from './test-redis';
import { TEST_SECRET } from './tokens';

export interface TestApp {
  app: NestFastifyApplication;
  database: TestDatabase;
  redis?: TestRedis;
  /** The HTTP server, for supertest. */
  server: ReturnType<NestFastifyApplication['getHttpServer']>;
  /** Empties the sessions table and this suite's cache keys. */
  reset(): Promise<void>;
  /** How the responses sent since the last check break the OpenAPI document. */
  contractViolations(): Promise<string[]>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra or overriding environment variables. */
  env?: Record<string, string>;
  /** `false` runs without Redis (in-process cache); the embedded mode's default. */
  redis?: boolean;
  /**
   * `'embedded'` sets no DATABASE_URL, so the application starts its own PostgreSQL in
   * a temporary DATA_DIR, as `npm start` does. Defaults to `$E2E_DATABASE`, else `'server'`.
   */
  database?: 'server' | 'embedded';
  /** Rewrites the database URL the service gets, e.g. to go through a fault proxy. */
  databaseUrl?: (url: string) => string;
  /** Providers to replace, by a value or by a (test) subclass. */
  overrides?: Array<
    | { provide: unknown; useValue: unknown }
    | { provide: unknown; useClass: Type }
  >;
}

/**
 * Boots the real `AppModule` in-process, on a database created for this suite and a
 * Redis key namespace of its own, configured exactly as `main.ts` configures it.
 */
export async function createTestApp(
  options: TestAppOptions = {},
): Promise<TestApp> {
  const embedded = testDatabaseKind(options) === 'embedded';
  const embeddedDatabase = embedded ? createEmbeddedDataDir() : undefined;
  const database = embeddedDatabase ?? (await createTestDatabase());
  const redis =
    options.redis === false || (embedded && options.redis === undefined)
      ? undefined
      : new TestRedis();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    ...(embeddedDatabase
      ? { DATA_DIR: embeddedDatabase.dataDir }
      : {
          DATABASE_URL: options.databaseUrl?.(database.url) ?? database.url,
        }),
    SECRET_KEY: TEST_SECRET,
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
    ...(redis
      ? {
          REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
          REDIS_KEY_PREFIX: redis.prefix,
        }
      : {}),
    ...options.env,
  };
  const saved = { ...process.env };
  for (const name of [
    'DATABASE_URL',
    'DB_HOST',
    'REDIS_URL',
    'REDIS_HOST',
    'REDIS_KEY_PREFIX',
  ]) {
    delete process.env[name];
  }
  Object.assign(process.env, env);

  try {
    let builder = Test.createTestingModule({
      imports: [AppModule.forRoot(buildConfiguration(process.env))],
    });
    for (const override of options.overrides ?? []) {
      const replaced = builder.overrideProvider(override.provide);
      builder =
        'useClass' in override
          ? replaced.useClass(override.useClass)
          : replaced.useValue(override.useValue);
    }
    const moduleRef = await builder.compile();
    const app = configureApp(
      moduleRef.createNestApplication<NestFastifyApplication>(
        createFastifyAdapter(),
        {
          ...NEST_APP_OPTIONS,
          logger: ['error', 'warn'],
        },
      ),
    );
    const responses = new ResponseRecorder(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    const dataSource = app.get(DataSource);
    if (embeddedDatabase) {
      embeddedDatabase.url = app.get(EmbeddedPostgres).connectionUrl!;
    }

    return {
      app,
      database,
      redis,
      server: app.getHttpServer(),
      reset: async () => {
        await dataSource.query('TRUNCATE sessions');
        await redis?.clear();
      },
      contractViolations: () => responses.check(),
      close: async () => {
        const violations = await responses.close();
        await app.close();
        await redis?.close();
        await database.drop();
        if (violations.length > 0) {
          throw new ContractViolationError(violations);
        }
      },
    };
  } finally {
    process.env = saved;
  }
}

function testDatabaseKind(options: TestAppOptions): 'server' | 'embedded' {
  return (
    options.database ??
    (process.env.E2E_DATABASE === 'embedded' ? 'embedded' : 'server')
  );
}

/** What a suite runs against, for its title. */
export function testBackendName(options: TestAppOptions = {}): string {
  return testDatabaseKind(options) === 'embedded'
    ? 'the embedded PostgreSQL and the in-process cache'
    : 'PostgreSQL and Redis';
}

/** The application as `npm start` runs it with nothing configured: its own database, no Redis. */
export function createEmbeddedTestApp(
  options: Omit<TestAppOptions, 'database'> = {},
): Promise<TestApp> {
  return createTestApp({ ...options, database: 'embedded' });
}
