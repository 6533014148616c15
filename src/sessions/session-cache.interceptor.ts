import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  Optional,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Observable, of, tap } from 'rxjs';
import type { AuthenticatedUser } from '../auth';
import { MetricsService } from '../metrics/metrics.service';
import { SessionCache } from './session-cache.service';

/** How one GET route is cached: its per-user key and how its body is stored. */
export interface UserCachePolicy<Body = unknown> {
  key: (userId: number) => string;
  encode: (body: Body) => string;
  /** The body for a cached string; `undefined` for junk or another user's data: a miss. */
  decode: (raw: string, userId: number) => Body | undefined;
}

const USER_CACHE_POLICY = 'userCachePolicy';

export const CachedPerUser = <Body>(policy: UserCachePolicy<Body>) =>
  SetMetadata(USER_CACHE_POLICY, policy);

/**
 * Nest's `CacheInterceptor`, made safe for authenticated routes: `trackBy` always
 * includes the caller's user id, and a miss is filled only if no mutation fenced the
 * key since it was read (see `CacheStore`). Cache failures only ever cause misses.
 */
@Injectable()
export class UserCacheInterceptor implements NestInterceptor {
  constructor(
    private readonly cache: SessionCache,
    private readonly reflector: Reflector,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  trackBy(context: ExecutionContext): string {
    const { user } = context
      .switchToHttp()
      .getRequest<FastifyRequest & { user: AuthenticatedUser }>();
    return this.policyOf(context).key(user.id);
  }

  async intercept(
    context: ExecutionContext,
    next: CallHandler,
  ): Promise<Observable<unknown>> {
    const policy = this.policyOf(context);
    const { user } = context
      .switchToHttp()
      .getRequest<FastifyRequest & { user: AuthenticatedUser }>();
    const key = policy.key(user.id);
    const seen = await this.cache.read(key);
    const cached =
      seen?.raw != null ? policy.decode(seen.raw, user.id) : undefined;
    if (cached !== undefined) {
      this.metrics?.cacheHit.inc();
      return of(cached);
    }
    (seen ? this.metrics?.cacheMiss : this.metrics?.cacheError)?.inc();
    return next.handle().pipe(
      tap((body) => {
        if (seen) {
          void this.cache.fill(key, seen, policy.encode(body));
        }
      }),
    );
  }

  private policyOf(context: ExecutionContext): UserCachePolicy {
    return this.reflector.get<UserCachePolicy>(
      USER_CACHE_POLICY,
      context.getHandler(),
    );
  }
}
