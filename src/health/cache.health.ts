import { Injectable } from '@nestjs/common';
import { CacheStore, CacheStoreHealth } from '../redis/cache-store';

/**
 * Redis only caches (SPEC R6), so a Redis that is down is reported but never makes
 * the instance unready.
 */
@Injectable()
export class CacheHealthIndicator {
  constructor(private readonly store: CacheStore) {}

  report(): Promise<CacheStoreHealth> {
    return this.store.health();
  }
}
