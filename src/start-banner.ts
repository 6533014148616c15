import { signToken } from './auth/sign-token';
import { isHmacAlgorithm, type AppConfig } from './config';

const TOKEN_HOURS = 24;

/**
 * What `npm start` prints once it listens: where the API and its docs are and, outside
 * production, a token to try them with (minted with the configured secret, so it is
 * exactly what `npm run token` gives).
 */
export function startBanner(
  config: Pick<AppConfig, 'nodeEnv' | 'dataDir' | 'redis' | 'jwt'>,
  baseUrl: string,
  embeddedDatabaseUrl?: string,
  embeddedDataHome = config.dataDir,
): string {
  const lines = [
    `Session service listening on ${baseUrl}`,
    `  API:       ${baseUrl}/api/v1/sessions`,
    `  API docs:  ${baseUrl}/docs`,
    `  Database:  ${
      embeddedDatabaseUrl
        ? `embedded PostgreSQL, data in ${embeddedDataHome} (${embeddedDatabaseUrl})`
        : 'PostgreSQL server (DATABASE_URL / DB_HOST)'
    }`,
    `  Cache:     ${config.redis ? 'Redis (REDIS_URL / REDIS_HOST)' : 'in-process (no REDIS_URL set)'}`,
  ];
  if (config.nodeEnv !== 'production') {
    lines.push(...developmentTokenLines(config.jwt));
  }
  lines.push('  Stop with Ctrl-C.');
  return lines.join('\n');
}

/** A token to try the API with or, when tokens are signed elsewhere, how to mint one. */
function developmentTokenLines({
  secret,
  algorithm,
}: AppConfig['jwt']): string[] {
  if (secret === undefined || !isHmacAlgorithm(algorithm)) {
    return [
      `  Tokens (${algorithm}): npm run token -- <user_id> --key <private-key.pem>`,
    ];
  }
  const exp = Math.floor(Date.now() / 1000) + TOKEN_HOURS * 3600;
  return [
    `  Token for user 1 (valid ${TOKEN_HOURS} h; paste it into Authorize on /docs, or send "Authorization: Bearer <token>"):`,
    `    ${signToken({ sub: '1', exp }, secret, algorithm)}`,
    '  Tokens for other users: npm run token -- <user_id>',
  ];
}
