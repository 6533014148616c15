import {
  createParamDecorator,
  ExecutionContext,
  HttpStatus,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { InvalidIdempotencyKeyError } from './idempotency.errors';
import type { IdempotentRequest } from './idempotency.store';

/** 1 to 255 printable ASCII characters (draft-ietf-httpapi-idempotency-key-header). */
const WELL_FORMED_KEY = /^[\x20-\x7e]{1,255}$/;

/**
 * The request's `Idempotency-Key`, with what the store compares a repeat against;
 * `undefined` without the header. A malformed key is refused (400). A parameter rather
 * than an interceptor, so a write sent without a key pays for one header lookup.
 */
export const IdempotencyKey = createParamDecorator(
  (
    _data: unknown,
    context: ExecutionContext,
  ): IdempotentRequest | undefined => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const key = request.headers['idempotency-key'];
    if (key === undefined) {
      return undefined;
    }
    if (typeof key !== 'string' || !WELL_FORMED_KEY.test(key)) {
      throw new InvalidIdempotencyKeyError();
    }
    const status = Reflect.getMetadata(
      HTTP_CODE_METADATA,
      context.getHandler(),
    ) as number | undefined;
    return {
      key,
      fingerprint: fingerprintOf(request),
      successStatus:
        status ??
        (request.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK),
    };
  },
);

/** The same key may only be sent again with the same method, path and body. */
function fingerprintOf(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n`)
    .update(JSON.stringify(request.body ?? null))
    .digest('hex');
}
