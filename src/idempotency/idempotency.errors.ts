import { DomainError, DomainErrorKind } from '../common/errors';
import { PROBLEM_TYPE_PREFIX, ProblemDetails } from '../common/filters/problem';
import { STATUS_BY_KIND } from '../common/filters/to-problem';

export class InvalidIdempotencyKeyError extends DomainError {
  readonly code = 'invalid-idempotency-key';
  readonly kind = 'invalid';

  constructor() {
    super('Idempotency-Key must be 1 to 255 printable ASCII characters');
  }
}

export class IdempotencyKeyReuseError extends DomainError {
  readonly code = 'idempotency-key-reuse';
  readonly kind = 'unprocessable';

  constructor() {
    super(
      'This Idempotency-Key was already used for a different request; use a new key',
    );
  }
}

export class IdempotencyKeyInFlightError extends DomainError {
  readonly code = 'idempotency-key-in-flight';
  readonly kind = 'conflict';
  readonly retryAfterSeconds = 1;

  constructor() {
    super(
      'A request with this Idempotency-Key is still being processed; retry shortly',
    );
  }
}

const KIND_BY_STATUS = Object.fromEntries(
  Object.entries(STATUS_BY_KIND).map(([kind, status]) => [status, kind]),
) as Record<number, DomainErrorKind>;

/** A stored domain error, thrown again for a replay: the filter renders it as before. */
export class ReplayedDomainError extends DomainError {
  readonly code: string;
  readonly kind: DomainErrorKind;

  constructor(status: number, problem: ProblemDetails) {
    super(problem.detail);
    this.code = problem.type.slice(PROBLEM_TYPE_PREFIX.length);
    this.kind = KIND_BY_STATUS[status];
  }
}

/** Not an error: tells IdempotentReplayFilter that the stored answer replaces this request's. */
export class IdempotentReplay extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super('replayed');
  }
}
