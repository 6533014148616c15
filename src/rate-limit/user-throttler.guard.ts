import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedUser } from '../auth';
import { RateLimitedError } from '../common/errors';

/** The Redis key of one user's window for the named throttler (`default`). */
export const rateLimitKey = (throttler: string, userId: string | number) =>
  `ratelimit:${throttler}:user:${userId}`;

type MaybeAuthenticated = FastifyRequest & { user?: AuthenticatedUser };

/**
 * One budget per user across every route and instance, keyed by the token's user id,
 * never the client IP (every request arrives through the same gateway). Registered after
 * the `JwtAuthGuard`, so only authenticated requests count; public routes (health,
 * metrics) carry no user and are not limited.
 */
@Injectable()
export class UserThrottlerGuard extends ThrottlerGuard {
  protected shouldSkip(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<MaybeAuthenticated>();
    return Promise.resolve(request.user === undefined);
  }

  protected getTracker(request: { user?: AuthenticatedUser }): Promise<string> {
    return Promise.resolve(String(request.user!.id));
  }

  protected generateKey(
    _context: ExecutionContext,
    tracker: string,
    name: string,
  ): string {
    return rateLimitKey(name, tracker);
  }

  protected throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new RateLimitedError(Math.max(1, detail.timeToBlockExpire));
  }
}
