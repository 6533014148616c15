import { buildConfiguration } from './configuration';
import { ConfigurationError } from './environment';

const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/sessions';
const STRONG_SECRET = 's'.repeat(32);

const build = (env: Record<string, string>) => () =>
  buildConfiguration({ DATA_DIR: '/nonexistent-data-dir', ...env });

describe('configuration: security settings', () => {
  describe('NODE_ENV=production', () => {
    it('refuses a missing SECRET_KEY, naming the variable', () => {
      expect(build({ NODE_ENV: 'production', DATABASE_URL })).toThrow(
        /SECRET_KEY is required when NODE_ENV=production/,
      );
    });

    it.each([1, 16, 31])('refuses a %i-character SECRET_KEY', (length) => {
      const secret = 'k'.repeat(length);
      let error: unknown;
      try {
        build({ NODE_ENV: 'production', DATABASE_URL, SECRET_KEY: secret })();
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(
        /SECRET_KEY must be at least 32 characters/,
      );
      expect((error as Error).message).not.toContain(secret);
    });

    it('accepts a 32-character SECRET_KEY', () => {
      const config = build({
        NODE_ENV: 'production',
        DATABASE_URL,
        SECRET_KEY: STRONG_SECRET,
      })();
      expect(config.jwt.secret).toBe(STRONG_SECRET);
    });
  });

  it('never echoes a secret value in a validation message', () => {
    const secret = `leak-${'x'.repeat(5000)}`;
    expect(build({ SECRET_KEY: secret, DATABASE_URL })).toThrow(
      ConfigurationError,
    );
    try {
      build({ SECRET_KEY: secret, DATABASE_URL })();
    } catch (error) {
      expect((error as Error).message).toContain('SECRET_KEY');
      expect((error as Error).message).not.toContain('leak-');
    }
  });

  it('JWT_AUDIENCE and JWT_ISSUER are unset by default and read when set', () => {
    const defaults = build({ SECRET_KEY: STRONG_SECRET, DATABASE_URL })();
    expect(defaults.jwt.audience).toBeUndefined();
    expect(defaults.jwt.issuer).toBeUndefined();
    const set = build({
      SECRET_KEY: STRONG_SECRET,
      DATABASE_URL,
      JWT_AUDIENCE: 'session-service',
      JWT_ISSUER: 'https://auth.example.com',
    })();
    expect(set.jwt).toMatchObject({
      audience: 'session-service',
      issuer: 'https://auth.example.com',
    });
  });

  it.each(['61', '-1', 'soon'])(
    'refuses JWT_CLOCK_TOLERANCE_SECONDS=%s',
    (value) => {
      expect(
        build({
          SECRET_KEY: STRONG_SECRET,
          DATABASE_URL,
          JWT_CLOCK_TOLERANCE_SECONDS: value,
        }),
      ).toThrow(/JWT_CLOCK_TOLERANCE_SECONDS/);
    },
  );

  it('CORS is off unless CORS_ORIGINS lists origins', () => {
    expect(
      build({ SECRET_KEY: STRONG_SECRET, DATABASE_URL })().corsOrigins,
    ).toEqual([]);
    expect(
      build({
        SECRET_KEY: STRONG_SECRET,
        DATABASE_URL,
        CORS_ORIGINS: 'https://app.example.com, http://localhost:3000',
      })().corsOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:3000']);
  });

  it.each([
    '*',
    'app.example.com',
    'https://app.example.com/',
    'https://app.example.com/path',
    'ftp://x.example.com',
  ])('refuses CORS_ORIGINS=%s', (value) => {
    expect(
      build({ SECRET_KEY: STRONG_SECRET, DATABASE_URL, CORS_ORIGINS: value }),
    ).toThrow(/CORS_ORIGINS/);
  });
});
