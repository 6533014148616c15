import { QueryFailedError } from 'typeorm';
import { CONNECT_TIMEOUT_MS } from './database.options';

const CONNECT_TIMEOUT_SECONDS = CONNECT_TIMEOUT_MS / 1000;

/** SQLSTATE classes and codes that mean "the database cannot serve us right now". */
const UNAVAILABLE_SQLSTATES = new Set([
  '57014', // statement timeout / query canceled
  '57P01', // admin shutdown
  '57P02', // crash shutdown
  '57P03', // cannot connect now (starting up, recovery)
  '53300', // too many connections
  '40001', // serialization failure: safe to retry
  '40P01', // deadlock detected: safe to retry
]);

const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
]);

const UNAVAILABLE_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Query read timeout',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end',
  'connection is closed',
];

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when `error` means PostgreSQL is unreachable, overloaded or timing out: a 503. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const cause =
    error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  const code = codeOf(cause);
  if (code && (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08'))) {
    return true;
  }
  if (code && UNAVAILABLE_SOCKET_CODES.has(code)) {
    return true;
  }
  const message = cause instanceof Error ? cause.message : '';
  return UNAVAILABLE_MESSAGES.some((fragment) => message.includes(fragment));
}

/** The constraint a unique violation (23505) names, or `undefined` for any other error. */
export function violatedUniqueConstraint(error: unknown): string | undefined {
  if (!(error instanceof QueryFailedError)) {
    return undefined;
  }
  const driverError = error.driverError as {
    code?: string;
    constraint?: string;
  };
  return driverError.code === '23505' ? driverError.constraint : undefined;
}

/** PostgreSQL could not be reached, or refused us, at start-up. */
export class DatabaseStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseStartError';
  }
}

/** Where the service connects, from its TypeORM options (a URL or host/port). */
export interface ConnectionTarget {
  host: string;
  port: number;
  password?: string;
}

export function connectionTarget(options: {
  url?: string;
  host?: string;
  port?: number;
  password?: unknown;
}): ConnectionTarget {
  if (options.url) {
    const url = new URL(options.url);
    return {
      host: url.hostname,
      port: Number(url.port || 5432),
      password: decodeURIComponent(url.password) || undefined,
    };
  }
  return {
    host: options.host ?? 'localhost',
    port: options.port ?? 5432,
    password:
      typeof options.password === 'string' ? options.password : undefined,
  };
}

const SOCKET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is it running there?)',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
};

/** What to check, by SQLSTATE class or code of the server's refusal. */
const REFUSAL_HINTS: Array<[RegExp, string]> = [
  [/^28/, 'check the user and password in DATABASE_URL or DB_USER/DB_PASS'],
  [/^3D000$/, 'create it, or check the name in DATABASE_URL or DB_NAME'],
];

/**
 * One line for a failed connection at start-up: what failed and where (host:port,
 * never the password), and what to check.
 */
export function describeConnectionFailure(
  error: unknown,
  target: ConnectionTarget,
): string {
  const code = codeOf(error);
  const message = (error instanceof Error ? error.message : String(error))
    .split('\n')[0]
    .trim();
  let reason: string;
  if (code && SOCKET_REASONS[code]) {
    reason = SOCKET_REASONS[code];
  } else if (/timeout|timed out/i.test(message)) {
    reason = `no answer within ${CONNECT_TIMEOUT_SECONDS} s`;
  } else {
    const hint = REFUSAL_HINTS.find(([pattern]) => pattern.test(code ?? ''));
    reason = hint ? `${message} (${hint[1]})` : message;
  }
  const line = `Cannot connect to PostgreSQL at ${target.host}:${target.port}: ${reason}`;
  // Servers never echo a password, but a driver message might quote a URL.
  return target.password && target.password.length >= 4
    ? line.split(target.password).join('***')
    : line;
}
