import { applyDecorators, UseFilters } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { ProblemCase } from '../common/api-problem-responses.decorator';
import {
  IdempotencyKeyInFlightError,
  IdempotencyKeyReuseError,
  InvalidIdempotencyKeyError,
} from './idempotency.errors';
import { IdempotentReplayFilter } from './idempotent-replay.filter';

/** Marks a write route as accepting `Idempotency-Key`, and documents the header. */
export const Idempotent = () =>
  applyDecorators(
    UseFilters(IdempotentReplayFilter),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Makes a retry safe: the first answer is stored for this user and key ' +
        '(IDEMPOTENCY_TTL_SECONDS) and a repeat of the same request gets it again, ' +
        'with `Idempotent-Replayed: true`, changing nothing',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    }),
  );

/** The problems `@Idempotent()` adds to a route, for its ApiProblemResponses. */
export const IDEMPOTENCY_PROBLEMS: ProblemCase[] = [
  {
    name: 'invalid-idempotency-key',
    description: 'Idempotency-Key is not 1 to 255 printable ASCII characters',
    error: new InvalidIdempotencyKeyError(),
  },
  {
    name: 'idempotency-key-reuse',
    description: 'The Idempotency-Key was used for a different request',
    error: new IdempotencyKeyReuseError(),
  },
  {
    name: 'idempotency-key-in-flight',
    description: 'A request with this Idempotency-Key is still running',
    error: new IdempotencyKeyInFlightError(),
  },
];
