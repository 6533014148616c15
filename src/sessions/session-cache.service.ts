import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config';
import { CacheRead, CacheStore } from '../redis/cache-store';
import { sessionCacheKeys } from './session-cache.keys';

/**
 * `fenced` (the default) closes the stale-set race; `naive` is delete-after-commit and
 * plain SET, kept only so a test can show the race it leaves open (docs/cache.md).
 */
export type SessionCacheStrategy = 'fenced' | 'naive';
export const SESSION_CACHE_STRATEGY = Symbol('SESSION_CACHE_STRATEGY');

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
  ) {
    this.ttlSeconds = config.getOrThrow('cacheTtlSeconds', { infer: true });
  }

  read(key: string): Promise<CacheRead | undefined> {
    return this.store.read(key);
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
