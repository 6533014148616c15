import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  Optional,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { map, Observable, of } from 'rxjs';
import type { AuthenticatedUser } from '../auth';
import { MetricsService } from '../metrics/metrics.service';
import { SessionCache } from './session-cache.service';
import {
  activeSessionIdPolicy,
  SessionListPolicy,
  UserCachePolicy,
} from './sessions.cache-policies';

const JSON_UTF8 = 'application/json; charset=utf-8';
const CACHE_POLICY = 'sessions:cache-policy';

type PolicyName = 'active' | 'list';

/** Names the per-user cache a GET route reads through; see SessionCacheInterceptor. */
export const CachedPerUser = (policy: PolicyName) =>
  SetMetadata(CACHE_POLICY, policy);

/**
 * Nest's CacheInterceptor pattern, keyed by the authenticated user instead of the URL.
 * A hit answers the stored JSON; a miss runs the handler and fills with a fenced
 * compare-and-set, dropped if a mutation fenced the key meanwhile (the stale-set race).
 * A cache that fails only ever causes misses.
 */
@Injectable()
export class SessionCacheInterceptor implements NestInterceptor {
  /** Interceptor state, so the list policy's memo lives as long as the module. */
  private readonly policies: Record<PolicyName, UserCachePolicy<never>> = {
    active: activeSessionIdPolicy,
    list: new SessionListPolicy(),
  };

  constructor(
    private readonly cache: SessionCache,
    private readonly reflector: Reflector,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  async intercept(
    context: ExecutionContext,
    next: CallHandler,
  ): Promise<Observable<string>> {
    const http = context.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const userId = http.getRequest<{ user: AuthenticatedUser }>().user.id;
    const policy = this.policyOf(context);
    const key = policy.key(userId);
    const seen = await this.cache.read(key);
    const cached =
      seen?.raw != null ? policy.fromCache(seen.raw, userId) : undefined;
    if (cached !== undefined) {
      this.metrics?.cacheHit.inc();
      return of(sendsJson(reply, cached));
    }
    (seen ? this.metrics?.cacheMiss : this.metrics?.cacheError)?.inc();
    return next.handle().pipe(
      map((body: unknown) => {
        const json = JSON.stringify(body);
        if (seen) {
          void this.cache.fill(key, seen, policy.toCache(body as never, json));
        }
        return sendsJson(reply, json);
      }),
    );
  }

  private policyOf(context: ExecutionContext): UserCachePolicy<never> {
    return this.policies[
      this.reflector.get<PolicyName>(CACHE_POLICY, context.getHandler())
    ];
  }
}

/** The body goes out as the JSON text it already is, not re-serialised as a string. */
function sendsJson(reply: FastifyReply, json: string): string {
  void reply.type(JSON_UTF8);
  return json;
}
