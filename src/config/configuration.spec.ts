import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfiguration } from './configuration';

describe('buildConfiguration', () => {
  const dataDir = () => mkdtempSync(join(tmpdir(), 'config-spec-'));

  it('applies the SPEC defaults', () => {
    const config = buildConfiguration({ DATA_DIR: dataDir(), SECRET_KEY: 's' });
    expect(config).toMatchObject({
      port: 8001,
      postgres: undefined,
      redis: undefined,
      migrationsRun: true,
      cacheTtlSeconds: 3600,
      maxSessionsPerUser: 1000,
      idempotencyTtlSeconds: 86400,
      rateLimitPerMinute: 600,
      logLevel: 'info',
      jwt: { secret: 's', algorithm: 'HS256', clockToleranceSeconds: 30 },
    });
  });

  it('reads DATABASE_URL, or DB_* when no URL is given', () => {
    expect(
      buildConfiguration({
        DATA_DIR: dataDir(),
        SECRET_KEY: 's',
        DATABASE_URL: 'postgres://u:p@db:6543/app',
      }).postgres,
    ).toMatchObject({
      url: 'postgres://u:p@db:6543/app',
      host: 'db',
      port: 6543,
      database: 'app',
    });
    expect(
      buildConfiguration({
        DATA_DIR: dataDir(),
        SECRET_KEY: 's',
        DB_HOST: 'db',
        DB_PORT: '5433',
        DB_USER: 'svc',
        DB_PASS: 'pw',
        DB_NAME: 'sessions',
      }).postgres,
    ).toEqual({
      host: 'db',
      port: 5433,
      username: 'svc',
      password: 'pw',
      database: 'sessions',
    });
  });

  it('reads REDIS_URL, or REDIS_HOST/PORT/DB', () => {
    expect(
      buildConfiguration({
        DATA_DIR: dataDir(),
        SECRET_KEY: 's',
        REDIS_URL: 'redis://r:6380/2',
      }).redis,
    ).toEqual({
      url: 'redis://r:6380/2',
      host: 'r',
      port: 6380,
      db: 2,
    });
    expect(
      buildConfiguration({
        DATA_DIR: dataDir(),
        SECRET_KEY: 's',
        REDIS_HOST: 'r',
        REDIS_DB: '3',
      }).redis,
    ).toEqual({ host: 'r', port: 6379, db: 3 });
  });

  it('writes nothing, not even a development secret, and names SECRET_KEY when it is missing', () => {
    const parent = dataDir();
    const missing = join(parent, 'data');
    expect(() => buildConfiguration({ DATA_DIR: missing })).toThrow(
      'Invalid configuration: SECRET_KEY is required (outside production, `npm start` generates one under DATA_DIR)',
    );
    expect(
      buildConfiguration({ DATA_DIR: missing, SECRET_KEY: 's' }).dataDir,
    ).toBe(missing);
    expect(existsSync(missing)).toBe(false);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('gives the same configuration for the same environment', () => {
    const env = { DATA_DIR: dataDir(), SECRET_KEY: 's', PORT: '9000' };
    expect(buildConfiguration(env)).toEqual(buildConfiguration(env));
  });

  it.each([
    [
      { PORT: 'abc' },
      'Invalid configuration: PORT must be an integer number (got "abc")',
    ],
    [
      { PORT: '70000' },
      'Invalid configuration: PORT must not be greater than 65535 (got 70000)',
    ],
    [{ CACHE_TTL_SECONDS: '0' }, 'CACHE_TTL_SECONDS must not be less than 1'],
    [{ ALGORITHM: 'none' }, 'ALGORITHM must be one of the following values'],
    [
      { JWT_CLOCK_TOLERANCE_SECONDS: '61' },
      'JWT_CLOCK_TOLERANCE_SECONDS must not be greater than 60',
    ],
    [
      { DB_MIGRATIONS_RUN: 'yes' },
      'DB_MIGRATIONS_RUN must be a boolean string',
    ],
    [
      { DATABASE_URL: 'mysql://db/x' },
      'DATABASE_URL must start with postgres://',
    ],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL is not a valid URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of the following values'],
  ])('stops on %j with one message naming the variable', (env, message) => {
    expect(() =>
      buildConfiguration({ DATA_DIR: dataDir(), SECRET_KEY: 's', ...env }),
    ).toThrow(message);
  });

  describe('with NODE_ENV=production', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/app',
    };

    it('requires SECRET_KEY', () => {
      expect(() => buildConfiguration(production)).toThrow(
        /SECRET_KEY is required when NODE_ENV=production/,
      );
    });

    it('requires SECRET_KEY to be at least 32 characters', () => {
      expect(() =>
        buildConfiguration({ ...production, SECRET_KEY: 'x'.repeat(31) }),
      ).toThrow(/SECRET_KEY must be at least 32 characters/);
      expect(
        buildConfiguration({ ...production, SECRET_KEY: 'x'.repeat(32) }).jwt
          .secret,
      ).toHaveLength(32);
    });

    it('refuses the embedded database and says what to set', () => {
      expect(() =>
        buildConfiguration({
          NODE_ENV: 'production',
          SECRET_KEY: 'x'.repeat(32),
        }),
      ).toThrow(/DATABASE_URL is required when NODE_ENV=production.*DB_HOST/);
    });
  });
});
