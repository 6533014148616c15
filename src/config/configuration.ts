import { resolve } from 'node:path';
import {
  ConfigurationError,
  EnvironmentVariables,
  validateEnvironment,
} from './environment';
import { isHmacAlgorithm, JwtAlgorithm } from './jwt-algorithms';
import { JwtKeySource, jwtKeySource } from './jwt-keys';

export interface PostgresSettings {
  url?: string;
  host: string;
  port: number;
  username?: string;
  password?: string;
  database: string;
}

export interface RedisNode {
  host: string;
  port: number;
}

export interface RedisSettings {
  url?: string;
  host: string;
  port: number;
  db: number;
  /** Set by `REDIS_CLUSTER_NODES`: a Redis Cluster client seeded with these nodes. */
  clusterNodes?: RedisNode[];
}

export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  dataDir: string;
  /** `undefined` selects the embedded PostgreSQL under `dataDir`. */
  postgres?: PostgresSettings;
  dbPoolSize: number;
  migrationsRun: boolean;
  /** `undefined` selects the in-process cache. */
  redis?: RedisSettings;
  redisKeyPrefix: string;
  jwt: JwtKeySource & {
    /** SECRET_KEY, the key of the HS* algorithms; unset with an asymmetric one. */
    secret?: string;
    algorithm: JwtAlgorithm;
    clockToleranceSeconds: number;
    /** Enforced only when set: tokens must carry this `aud` / `iss`. */
    audience?: string;
    issuer?: string;
  };
  /** Origins allowed by CORS; empty turns CORS off (no CORS headers at all). */
  corsOrigins: string[];
  cacheTtlSeconds: number;
  maxSessionsPerUser: number;
  /** How long a write's answer is kept for replays of its Idempotency-Key. */
  idempotencyTtlSeconds: number;
  rateLimitPerMinute: number;
  logLevel: string;
  /** `undefined`: pretty on a development terminal, JSON lines otherwise (see logging/). */
  logFormat?: 'json' | 'pretty';
  /** Bounds on idle and slow connections, applied to the HTTP server. */
  httpTimeouts: HttpTimeouts;
}

export interface HttpTimeouts {
  /** An idle keep-alive connection is closed this long after its last response. */
  keepAliveTimeoutMs: number;
  /** A connection whose request headers are not all in by then is answered 408. */
  headersTimeoutMs: number;
  /** Likewise for the whole request, body included. */
  requestTimeoutMs: number;
}

const MIN_PRODUCTION_SECRET_LENGTH = 32;

/** A connection URL, or a ConfigurationError naming the variable and the schemes it takes. */
function urlOf(variable: string, value: string, schemes: string[]): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(variable, 'is not a valid URL');
  }
  if (!schemes.includes(url.protocol.slice(0, -1))) {
    throw new ConfigurationError(
      variable,
      `must start with ${schemes.map((scheme) => `${scheme}://`).join(' or ')}`,
    );
  }
  return url;
}

function postgresSettings(
  env: EnvironmentVariables,
): PostgresSettings | undefined {
  if (env.DATABASE_URL) {
    const url = urlOf('DATABASE_URL', env.DATABASE_URL, [
      'postgres',
      'postgresql',
    ]);
    return {
      url: env.DATABASE_URL,
      host: url.hostname,
      port: Number(url.port || 5432),
      database: decodeURIComponent(url.pathname.slice(1)),
    };
  }
  if (!env.DB_HOST) {
    return undefined;
  }
  return {
    host: env.DB_HOST,
    port: env.DB_PORT ?? 5432,
    username: env.DB_USER ?? 'postgres',
    password: env.DB_PASS,
    database: env.DB_NAME ?? 'sessions',
  };
}

function redisClusterNodes(value: string): RedisNode[] {
  const nodes = value.split(',').map((entry) => {
    const match = /^\s*([^\s:]+|\[[0-9a-fA-F:]+\]):(\d{1,5})\s*$/.exec(entry);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) {
      throw new ConfigurationError(
        'REDIS_CLUSTER_NODES',
        `must be a comma-separated list of host:port (got ${JSON.stringify(entry)})`,
      );
    }
    return { host: match[1].replace(/^\[|\]$/g, ''), port };
  });
  return nodes;
}

function redisSettings(env: EnvironmentVariables): RedisSettings | undefined {
  if (env.REDIS_CLUSTER_NODES) {
    const clusterNodes = redisClusterNodes(env.REDIS_CLUSTER_NODES);
    return { ...clusterNodes[0], db: 0, clusterNodes };
  }
  if (env.REDIS_URL) {
    const url = urlOf('REDIS_URL', env.REDIS_URL, ['redis', 'rediss']);
    return {
      url: env.REDIS_URL,
      host: url.hostname,
      port: Number(url.port || 6379),
      db: Number(url.pathname.slice(1) || 0),
    };
  }
  if (!env.REDIS_HOST) {
    return undefined;
  }
  return {
    host: env.REDIS_HOST,
    port: env.REDIS_PORT ?? 6379,
    db: env.REDIS_DB ?? 0,
  };
}

/** Where the cache is, for log lines: never a password (settings hold none). */
export function describeRedis(settings: RedisSettings): string {
  return settings.clusterNodes
    ? `Redis Cluster (${settings.clusterNodes.map((node) => `${node.host}:${node.port}`).join(', ')})`
    : `Redis at ${settings.host}:${settings.port}`;
}

/** `CORS_ORIGINS`: comma-separated origins such as `https://app.example.com`. */
function corsOrigins(value: string | undefined): string[] {
  const origins = (value ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (
      !parsed ||
      !['http:', 'https:'].includes(parsed.protocol) ||
      parsed.origin !== origin
    ) {
      throw new ConfigurationError(
        'CORS_ORIGINS',
        `must list origins such as https://app.example.com separated by commas (got ${JSON.stringify(origin)})`,
      );
    }
  }
  return origins;
}

/** Where the embedded database and the development secret live: `DATA_DIR`, else `./data`. */
export function dataDirectory(value: string | undefined): string {
  return resolve(value || 'data');
}

function httpTimeouts(env: EnvironmentVariables): HttpTimeouts {
  const timeouts = {
    // Fastify's default: above the 60 s idle timeout of common load balancers, so the
    // balancer, not the service, closes an idle connection first.
    keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS ?? 72000,
    headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS ?? 10000,
    requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS ?? 30000,
  };
  if (timeouts.requestTimeoutMs < timeouts.headersTimeoutMs) {
    throw new ConfigurationError(
      'HTTP_REQUEST_TIMEOUT_MS',
      `must be at least HTTP_HEADERS_TIMEOUT_MS (${timeouts.headersTimeoutMs}), since the request includes its headers (got ${timeouts.requestTimeoutMs})`,
    );
  }
  return timeouts;
}

/**
 * Validates the environment and turns it into the typed configuration. Pure: it reads
 * nothing but `raw` and writes nothing, so entry points call it once and hand the result
 * to `AppModule.forRoot`. Outside production a missing SECRET_KEY is filled in before
 * this by `withDevelopmentSecret`.
 */
export function buildConfiguration(
  raw: Record<string, unknown> = process.env,
): AppConfig {
  const env = validateEnvironment(raw);
  const nodeEnv = (env.NODE_ENV ?? 'development') as AppConfig['nodeEnv'];
  const production = nodeEnv === 'production';
  const dataDir = dataDirectory(env.DATA_DIR);
  const postgres = postgresSettings(env);
  const algorithm = (env.ALGORITHM ?? 'HS256') as JwtAlgorithm;
  const hmac = isHmacAlgorithm(algorithm);
  // First: a key variable that does not fit ALGORITHM explains more than a missing secret.
  const keySource = jwtKeySource(env, algorithm, production);

  if (hmac && !env.SECRET_KEY) {
    throw new ConfigurationError(
      'SECRET_KEY',
      production
        ? 'is required when NODE_ENV=production (the HS256 secret shared with the auth service, at least 32 characters)'
        : 'is required (outside production, `npm start` generates one under DATA_DIR)',
    );
  }
  if (
    hmac &&
    production &&
    env.SECRET_KEY &&
    env.SECRET_KEY.length < MIN_PRODUCTION_SECRET_LENGTH
  ) {
    throw new ConfigurationError(
      'SECRET_KEY',
      `must be at least ${MIN_PRODUCTION_SECRET_LENGTH} characters when NODE_ENV=production`,
    );
  }
  if (production && !postgres) {
    throw new ConfigurationError(
      'DATABASE_URL',
      'is required when NODE_ENV=production: the embedded database is for development only (set DATABASE_URL or DB_HOST/DB_PORT/DB_USER/DB_PASS/DB_NAME)',
    );
  }

  return {
    nodeEnv,
    port: env.PORT ?? 8001,
    dataDir,
    postgres,
    dbPoolSize: env.DB_POOL_SIZE ?? 10,
    migrationsRun: (env.DB_MIGRATIONS_RUN ?? 'true') === 'true',
    redis: redisSettings(env),
    redisKeyPrefix: env.REDIS_KEY_PREFIX ?? '',
    jwt: {
      secret: hmac ? env.SECRET_KEY : undefined,
      algorithm,
      ...keySource,
      clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_SECONDS ?? 30,
      audience: env.JWT_AUDIENCE,
      issuer: env.JWT_ISSUER,
    },
    corsOrigins: corsOrigins(env.CORS_ORIGINS),
    cacheTtlSeconds: env.CACHE_TTL_SECONDS ?? 3600,
    maxSessionsPerUser: env.MAX_SESSIONS_PER_USER ?? 1000,
    idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS ?? 86400,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE ?? 600,
    logLevel: env.LOG_LEVEL ?? 'info',
    logFormat: env.LOG_FORMAT as AppConfig['logFormat'],
    httpTimeouts: httpTimeouts(env),
  };
}
