import { QueryFailedError } from 'typeorm';

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
