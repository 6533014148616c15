import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { RequestWithIdempotency } from './idempotency.interceptor';
import type { IdempotentRequest } from './idempotency.store';

/** The request's Idempotency-Key as IdempotencyInterceptor read it; `undefined` without one. */
export const IdempotencyKey = createParamDecorator(
  (_data: unknown, context: ExecutionContext): IdempotentRequest | undefined =>
    context.switchToHttp().getRequest<RequestWithIdempotency>().idempotency,
);
