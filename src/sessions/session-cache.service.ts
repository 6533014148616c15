import { Inject, Injectable, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config';
import { MetricsService } from '../metrics/metrics.service';
import { CacheRead, CacheStore } from '../redis/cache-store';
import { sessionCacheKeys } from './session-cache.keys';

/**
 * `fenced` (the default) closes the stale-set race; `naive` is delete-after-commit and
 * plain SET, kept only so a test can show the race it leaves open (docs/cache.md).
 */
export type SessionCacheStrategy = 'fenced' | 'naive';
export const SESSION_CACHE_STRATEGY = Symbol('SESSION_CACHE_STRATEGY');

/** How one GET route is cached: its per-user key and how its body is stored. */
export interface UserCachePolicy<Body = unknown> {
  key: (userId: number) => string;
  encode: (body: Body) => string;
  /** The body for a cached string; `undefined` for junk or another user's data: a miss. */
  decode: (raw: string, userId: number) => Body | undefined;
}

/** Test seam: runs between the database read and the cache fill (a no-op in service). */
export type BeforeCacheFill = (key: string) => Promise<void>;
export const BEFORE_CACHE_FILL = Symbol('BEFORE_CACHE_FILL');

export const sessionCacheDefaults = [
  {
    provide: SESSION_CACHE_STRATEGY,
    useValue: 'fenced' satisfies SessionCacheStrategy,
  },
  {
    provide: BEFORE_CACHE_FILL,
    useValue: (() => Promise.resolve()) satisfies BeforeCacheFill,
  },
];

@Injectable()
export class SessionCache {
  private readonly ttlSeconds: number;

  constructor(
    private readonly store: CacheStore,
    config: ConfigService<AppConfig, true>,
    @Inject(SESSION_CACHE_STRATEGY)
    private readonly strategy: SessionCacheStrategy,
    @Inject(BEFORE_CACHE_FILL)
    private readonly beforeFill: BeforeCacheFill,
    @Optional() private readonly metrics?: MetricsService,
  ) {
    this.ttlSeconds = config.getOrThrow('cacheTtlSeconds', { infer: true });
  }

  /**
   * Read-through for one user's GET: the cached body when Redis holds a valid one,
   * otherwise `load()` from PostgreSQL and a fenced fill, which is dropped if a mutation
   * fenced the key after it was read. Cache failures only ever cause misses.
   *
   * (Nest's `CacheInterceptor` pattern did the same through rxjs, at 35 µs per request,
   * a fifth of the hot path: docs/benchmarks.md.)
   */
  async readThrough<Body>(
    policy: UserCachePolicy<Body>,
    userId: number,
    load: () => Promise<Body>,
  ): Promise<Body> {
    const key = policy.key(userId);
    const seen = await this.store.read(key);
    const cached =
      seen?.raw != null ? policy.decode(seen.raw, userId) : undefined;
    if (cached !== undefined) {
      this.metrics?.cacheHit.inc();
      return cached;
    }
    (seen ? this.metrics?.cacheMiss : this.metrics?.cacheError)?.inc();
    const body = await load();
    if (seen) {
      void this.fill(key, seen, policy.encode(body));
    }
    return body;
  }

  async fill(key: string, seen: CacheRead, value: string): Promise<void> {
    await this.beforeFill(key);
    if (this.strategy === 'naive') {
      return this.store.set(key, value, this.ttlSeconds);
    }
    return this.store.fill(key, seen, value, this.ttlSeconds);
  }

  /** Called after every committed mutation, before its response is sent. */
  invalidate(userId: number): Promise<void> {
    const keys = sessionCacheKeys.all(userId);
    if (this.strategy === 'naive') {
      return this.store.delete(keys);
    }
    return this.store.fence(keys, this.ttlSeconds);
  }
}
