import {
  CallHandler,
  ExecutionContext,
  HttpStatus,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { catchError, Observable, of, throwError } from 'rxjs';
import {
  IdempotentReplay,
  InvalidIdempotencyKeyError,
  ReplayedDomainError,
} from './idempotency.errors';
import type { IdempotentRequest } from './idempotency.store';

/** 1 to 255 printable ASCII characters (draft-ietf-httpapi-idempotency-key-header). */
const WELL_FORMED_KEY = /^[\x20-\x7e]{1,255}$/;

export type RequestWithIdempotency = FastifyRequest & {
  idempotency?: IdempotentRequest;
};

/**
 * Reads `Idempotency-Key` on a write route and hands it to the handler (see
 * `@IdempotencyKey()`); when the service answers with a stored response, sends that
 * with `Idempotent-Replayed: true`. Without the header it only passes through.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<RequestWithIdempotency>();
    const key = request.headers['idempotency-key'];
    if (key === undefined) {
      return next.handle();
    }
    if (typeof key !== 'string' || !WELL_FORMED_KEY.test(key)) {
      throw new InvalidIdempotencyKeyError();
    }
    request.idempotency = {
      key,
      fingerprint: fingerprintOf(request),
      successStatus:
        this.reflector.get<number>(HTTP_CODE_METADATA, context.getHandler()) ??
        (request.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK),
    };
    const reply = http.getResponse<FastifyReply>();
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (error instanceof IdempotentReplay) {
          void reply
            .header('idempotent-replayed', 'true')
            .type('application/json; charset=utf-8');
          return of(error.body);
        }
        if (error instanceof ReplayedDomainError) {
          void reply.header('idempotent-replayed', 'true');
        }
        return throwError(() => error);
      }),
    );
  }
}

/** The same key may only be sent again with the same method, path and body. */
function fingerprintOf(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n`)
    .update(JSON.stringify(request.body ?? null))
    .digest('hex');
}
