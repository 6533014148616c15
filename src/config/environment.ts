import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBooleanString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
  ValidationError,
} from 'class-validator';
import { JWT_ALGORITHMS } from './jwt-algorithms';

const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim())
    ? Number(value.trim())
    : value;

const emptyAsUnset = ({ value }: { value: unknown }): unknown =>
  value === '' ? undefined : value;

/**
 * The environment the service accepts. Every variable is optional; defaults live in
 * `configuration.ts` so that this class only describes what a valid value looks like.
 */
export class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @Transform(emptyAsUnset)
  @IsString()
  DATABASE_URL?: string;

  @IsOptional()
  @Transform(emptyAsUnset)
  @IsString()
  DB_HOST?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(65535)
  DB_PORT?: number;

  @IsOptional()
  @IsString()
  DB_USER?: string;

  @IsOptional()
  @IsString()
  DB_PASS?: string;

  @IsOptional()
  @IsString()
  DB_NAME?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000)
  DB_POOL_SIZE?: number;

  @IsOptional()
  @IsBooleanString()
  DB_MIGRATIONS_RUN?: string;

  @IsOptional()
  @Transform(emptyAsUnset)
  @IsString()
  REDIS_URL?: string;

  @IsOptional()
  @Transform(emptyAsUnset)
  @IsString()
  REDIS_HOST?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(65535)
  REDIS_PORT?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(15)
  REDIS_DB?: number;

  @IsOptional()
  @Transform(emptyAsUnset)
  @IsString()
  REDIS_CLUSTER_NODES?: string;

  @IsOptional()
  @Transform(emptyAsUnset)
  @IsString()
  REDIS_KEY_PREFIX?: string;

  @IsOptional()
  @Transform(emptyAsUnset)
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  SECRET_KEY?: string;

  @IsOptional()
  @IsIn(JWT_ALGORITHMS)
  ALGORITHM?: string;

  @IsOptional()
  @Transform(emptyAsUnset)
  @IsString()
  @MaxLength(16384)
  JWT_PUBLIC_KEY?: string;

  @IsOptional()
  @Transform(emptyAsUnset)
  @IsString()
  @MaxLength(2048)
  JWT_JWKS_URL?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(30)
  @Max(86400)
  JWT_JWKS_CACHE_SECONDS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(60)
  JWT_CLOCK_TOLERANCE_SECONDS?: number;

  @IsOptional()
  @Transform(emptyAsUnset)
  @IsString()
  @MaxLength(1024)
  JWT_AUDIENCE?: string;

  @IsOptional()
  @Transform(emptyAsUnset)
  @IsString()
  @MaxLength(1024)
  JWT_ISSUER?: string;

  @IsOptional()
  @Transform(emptyAsUnset)
  @IsString()
  CORS_ORIGINS?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(604800)
  CACHE_TTL_SECONDS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000000)
  MAX_SESSIONS_PER_USER?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(2592000)
  IDEMPOTENCY_TTL_SECONDS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(1000000)
  RATE_LIMIT_PER_MINUTE?: number;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  @IsOptional()
  @Transform(emptyAsUnset)
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: string;

  @IsOptional()
  @Transform(emptyAsUnset)
  @IsString()
  DATA_DIR?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(3600000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(3600000)
  HTTP_HEADERS_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(3600000)
  HTTP_REQUEST_TIMEOUT_MS?: number;
}

export class ConfigurationError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigurationError';
  }
}

/**
 * Variables whose values must never appear in a message or a log line (JWT_PUBLIC_KEY
 * is public, but a private key pasted there by mistake is not).
 */
const SECRET_VARIABLES = new Set([
  'SECRET_KEY',
  'JWT_PUBLIC_KEY',
  'DB_PASS',
  'DATABASE_URL',
  'REDIS_URL',
]);

/** Type checks explain a bad value better than the range checks that follow them. */
const FIRST_CONSTRAINTS = ['isInt', 'isString', 'isIn', 'isBooleanString'];

function describe(error: ValidationError): string {
  const constraints = error.constraints ?? {};
  const key =
    FIRST_CONSTRAINTS.find((name) => name in constraints) ??
    Object.keys(constraints)[0];
  const reason = key
    ? constraints[key].replace(`${error.property} `, '')
    : 'is invalid';
  return SECRET_VARIABLES.has(error.property)
    ? reason
    : `${reason} (got ${JSON.stringify(error.value)})`;
}

/** Parses the raw environment; throws one `ConfigurationError` naming the first bad variable. */
export function validateEnvironment(
  raw: Record<string, unknown>,
): EnvironmentVariables {
  const env = plainToInstance(EnvironmentVariables, raw, {
    excludeExtraneousValues: false,
  });
  const [first] = validateSync(env, { skipMissingProperties: false });
  if (first) {
    throw new ConfigurationError(first.property, describe(first));
  }
  return env;
}
