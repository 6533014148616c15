// Errors about the request itself (credentials, rate, body, URL), raised outside the domain.
import type { ValidationError } from 'class-validator';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * A request without valid credentials. `tokenPresent` decides the challenge:
 * RFC 6750 sends `error="invalid_token"` only when a token was actually presented.
 */
export class AuthenticationError extends Error {
  constructor(
    message: string,
    readonly tokenPresent: boolean,
  ) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

/** A user over their per-minute request budget: answered with 429 and `Retry-After`. */
export class RateLimitedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many requests; slow down and retry later');
    this.name = 'RateLimitedError';
  }
}

/** A request body or parameter that fails its DTO's rules: answered with 422. */
export class RequestValidationError extends Error {
  constructor(readonly errors: FieldError[]) {
    super('The request body is invalid');
    this.name = 'RequestValidationError';
  }

  static fromValidationErrors(
    errors: ValidationError[],
  ): RequestValidationError {
    const fieldErrors: FieldError[] = [];
    const walk = (error: ValidationError, path: string): void => {
      const field = path ? `${path}.${error.property}` : error.property;
      for (const message of Object.values(error.constraints ?? {})) {
        fieldErrors.push({ field, message });
      }
      for (const child of error.children ?? []) {
        walk(child, field);
      }
    };
    errors.forEach((error) => walk(error, ''));
    return new RequestValidationError(fieldErrors);
  }
}

export class MalformedJsonError extends Error {
  constructor() {
    super('The request body is not valid JSON');
    this.name = 'MalformedJsonError';
  }
}

export class MalformedUrlError extends Error {
  constructor() {
    super('The URL path contains a malformed percent-escape');
    this.name = 'MalformedUrlError';
  }
}

export class UnsupportedContentEncodingError extends Error {
  constructor() {
    super(
      'Compressed request bodies are not accepted; send identity-encoded JSON',
    );
    this.name = 'UnsupportedContentEncodingError';
  }
}
