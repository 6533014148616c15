import { HttpException } from '@nestjs/common';
import { isDatabaseUnavailable } from '../../database/database-errors';
import {
  AuthenticationError,
  DomainError,
  DomainErrorKind,
  MalformedJsonError,
  MalformedUrlError,
  RateLimitedError,
  RequestValidationError,
  UnsupportedContentEncodingError,
} from '../errors';
import { Problem } from './problem';

export const STATUS_BY_KIND: Record<DomainErrorKind, number> = {
  invalid: 400,
  'not-found': 404,
  conflict: 409,
  unprocessable: 422,
};

/**
 * Fixed details for statuses whose framework messages could echo the request (a JSON
 * parser quotes the payload) or reveal internals.
 */
export const FIXED_DETAILS: Record<number, string> = {
  400: 'The request is malformed',
  404: 'No route matches this method and path',
  405: 'Method not allowed on this path',
  408: 'The request did not arrive in time',
  413: 'The request body exceeds 16 KiB',
  414: 'The request URI is too long',
  415: 'The request body must be application/json',
  431: 'The request headers are too large',
};

/** Problems for expected failures; `undefined` for an unexpected error (a 500). */
export function toProblem(error: unknown): Problem | undefined {
  if (error instanceof DomainError) {
    const problem = new Problem(
      STATUS_BY_KIND[error.kind],
      error.message,
      error.code,
    );
    return error.retryAfterSeconds === undefined
      ? problem
      : problem.withHeader('Retry-After', String(error.retryAfterSeconds));
  }
  if (error instanceof RequestValidationError) {
    return new Problem(422, error.message, 'validation-failed', error.errors);
  }
  if (error instanceof AuthenticationError) {
    return new Problem(401, error.message).withHeader(
      'WWW-Authenticate',
      error.tokenPresent ? 'Bearer error="invalid_token"' : 'Bearer',
    );
  }
  if (error instanceof RateLimitedError) {
    return new Problem(429, error.message, 'rate-limited').withHeader(
      'Retry-After',
      String(error.retryAfterSeconds),
    );
  }
  if (
    error instanceof MalformedJsonError ||
    error instanceof MalformedUrlError
  ) {
    return new Problem(400, error.message);
  }
  if (error instanceof UnsupportedContentEncodingError) {
    return new Problem(415, error.message);
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status >= 500) {
      return undefined;
    }
    return new Problem(
      status,
      FIXED_DETAILS[status] ?? 'The request was rejected',
    );
  }
  if (isDatabaseUnavailable(error)) {
    return new Problem(
      503,
      'The database is unavailable; retry shortly',
      'database-unavailable',
    ).withHeader('Retry-After', '1');
  }
  return undefined;
}

export const INTERNAL_ERROR = new Problem(
  500,
  'An unexpected error occurred; it has been logged',
);
