import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config';
import { CacheRead, CacheStore } from '../redis/cache-store';
import { sessionCacheKeys } from './session-cache.keys';

/**
 * The sessions feature's view of the cache: fenced reads and fills for the GET routes
 * (see SessionCacheInterceptor) and the fence every mutation sets after its commit.
 */
@Injectable()
export class SessionCache {
  private readonly ttlSeconds: number;

  constructor(
    private readonly store: CacheStore,
    config: ConfigService<AppConfig, true>,
  ) {
    this.ttlSeconds = config.getOrThrow('cacheTtlSeconds', { infer: true });
  }

  /** What the key holds; `undefined` when the cache is unavailable. */
  read(key: string): Promise<CacheRead | undefined> {
    return this.store.read(key);
  }

  /** Lands only if the key still holds what `seen` describes: a fence wins. */
  fill(key: string, seen: CacheRead, value: string): Promise<void> {
    return this.store.fill(key, seen, value, this.ttlSeconds);
  }

  /** Called after every committed mutation, before its response is sent. */
  invalidate(userId: number): Promise<void> {
    return this.store.fence(sessionCacheKeys.all(userId), this.ttlSeconds);
  }
}
