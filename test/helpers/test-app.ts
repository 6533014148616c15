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
import { TEST_REDIS_URL, TestRedis } from './test-redis';
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
  /**
   * `false` runs on the in-process cache; `true` needs the tests' Redis. Unset: Redis when
   * there is one (never in the embedded mode), else the in-process cache.
   */
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

/** Runs every step even when one fails, then rethrows the first failure. */
async function everyStep(
  ...steps: Array<() => Promise<unknown> | undefined>
): Promise<void> {
  let failure: Error | undefined;
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failure ??= error as Error;
    }
  }
  if (failure) {
    throw failure;
  }
}

function testDatabaseKind(options: TestAppOptions): 'server' | 'embedded' {
  return (
    options.database ??
    (process.env.E2E_DATABASE === 'embedded' ? 'embedded' : 'server')
  );
}

function usesRedis(options: TestAppOptions): boolean {
  if (options.redis !== undefined) {
    return options.redis;
  }
  return testDatabaseKind(options) === 'server' && TEST_REDIS_URL !== undefined;
}

/** What a suite runs against, for its title. */
export function testBackendName(options: TestAppOptions = {}): string {
  const database =
    testDatabaseKind(options) === 'embedded'
      ? 'the embedded PostgreSQL'
      : 'PostgreSQL';
  return `${database} and ${usesRedis(options) ? 'Redis' : 'the in-process cache'}`;
}

/** The environment the application reads, as `main.ts` would get it. */
function applicationEnv(
  options: TestAppOptions,
  database: TestDatabase,
  dataDir: string | undefined,
  redis: TestRedis | undefined,
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    ...(dataDir
      ? { DATA_DIR: dataDir }
      : {
          DATABASE_URL: options.databaseUrl?.(database.url) ?? database.url,
        }),
    SECRET_KEY: TEST_SECRET,
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
    ...(redis
      ? { REDIS_URL: TEST_REDIS_URL!, REDIS_KEY_PREFIX: redis.prefix }
      : {}),
    ...options.env,
  };
}

/**
 * Boots the real `AppModule` in-process, on a database created for this suite and a
 * Redis key namespace of its own, configured exactly as `main.ts` configures it. When
 * it fails to start, what it had created is removed before the error is rethrown.
 */
export async function createTestApp(
  options: TestAppOptions = {},
): Promise<TestApp> {
  const embeddedDatabase =
    testDatabaseKind(options) === 'embedded'
      ? createEmbeddedDataDir()
      : undefined;
  const database = embeddedDatabase ?? (await createTestDatabase());
  let redis: TestRedis | undefined;
  let app: NestFastifyApplication | undefined;
  const saved = { ...process.env };
  try {
    redis = usesRedis(options) ? new TestRedis() : undefined;
    for (const name of [
      'DATABASE_URL',
      'DB_HOST',
      'REDIS_URL',
      'REDIS_HOST',
      'REDIS_KEY_PREFIX',
    ]) {
      delete process.env[name];
    }
    Object.assign(
      process.env,
      applicationEnv(options, database, embeddedDatabase?.dataDir, redis),
    );

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
    const started = configureApp(
      moduleRef.createNestApplication<NestFastifyApplication>(
        createFastifyAdapter(),
        { ...NEST_APP_OPTIONS, logger: ['error', 'warn'] },
      ),
    );
    app = started;
    const responses = new ResponseRecorder(started);
    await started.init();
    await started.getHttpAdapter().getInstance().ready();
    const dataSource = started.get(DataSource);
    if (embeddedDatabase) {
      embeddedDatabase.url = started.get(EmbeddedPostgres).connectionUrl!;
    }
    const cache = redis;

    return {
      app: started,
      database,
      redis: cache,
      server: started.getHttpServer(),
      reset: async () => {
        await dataSource.query('TRUNCATE sessions');
        await cache?.clear();
      },
      contractViolations: () => responses.check(),
      close: async () => {
        let violations: string[] = [];
        await everyStep(
          async () => (violations = await responses.close()),
          () => started.close(),
          () => cache?.close(),
          () => database.drop(),
        );
        if (violations.length > 0) {
          throw new ContractViolationError(violations);
        }
      },
    };
  } catch (error) {
    const failed = app;
    await everyStep(
      () => failed?.close(),
      () => redis?.close(),
      () => database.drop(),
    ).catch(() => undefined);
    throw error;
  } finally {
    process.env = saved;
  }
}

/** Runs `work` on an application of its own, closed afterwards even when `work` fails. */
export async function withTestApp<T>(
  options: TestAppOptions,
  work: (t: TestApp) => Promise<T>,
): Promise<T> {
  const t = await createTestApp(options);
  try {
    return await work(t);
  } finally {
    await t.close();
  }
}

/**
 * One application for the `describe` block around the call: started in `beforeAll`,
 * closed in `afterAll` (also when it never started), and with `resetEachTest` emptied
 * before every test. `options` may be a function, read when the app starts.
 */
export function useTestApp(
  options: TestAppOptions | (() => TestAppOptions) = {},
  { resetEachTest = false } = {},
): TestApp {
  let started: TestApp | undefined;
  const current = (): TestApp => {
    if (!started) {
      throw new Error('The test application did not start (see beforeAll)');
    }
    return started;
  };
  beforeAll(async () => {
    started = await createTestApp(
      typeof options === 'function' ? options() : options,
    );
  });
  afterAll(async () => {
    await started?.close();
  });
  if (resetEachTest) {
    beforeEach(() => current().reset());
  }
  return {
    get app() {
      return current().app;
    },
    get database() {
      return current().database;
    },
    get redis() {
      return current().redis;
    },
    get server() {
      return current().server;
    },
    reset: () => current().reset(),
    contractViolations: () => current().contractViolations(),
    close: () => current().close(),
  };
}
