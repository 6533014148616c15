import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { CacheStore, WindowCount } from '../redis/cache-store';

const MAX_LOCAL_WINDOWS = 10_000;

/**
 * Counts requests in the `CacheStore`: one Redis round trip (a Lua INCR + PEXPIRE) per
 * request, shared by every instance; in-process when no Redis is configured.
 *
 * When Redis cannot answer, each instance counts in its own memory instead: the limit
 * degrades to "per user per instance" (at most N times the budget behind N instances)
 * rather than disappearing, and the switch is logged once per outage.
 */
export class CacheThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly localWindows = new Map<
    string,
    { count: number; resetAt: number }
  >();
  private degraded = false;

  constructor(private readonly store: CacheStore) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
  ): Promise<ThrottlerStorageRecord> {
    const shared = await this.store.countInWindow(key, ttl);
    if (shared) {
      if (this.degraded) {
        this.degraded = false;
        this.localWindows.clear();
        this.logger.log('Rate limits are shared through Redis again');
      }
      return toRecord(shared, limit);
    }
    if (!this.degraded) {
      this.degraded = true;
      this.logger.warn(
        'Redis is unavailable: rate limits are counted per instance until it is back',
      );
    }
    return toRecord(this.countLocally(key, ttl), limit);
  }

  private countLocally(key: string, windowMs: number): WindowCount {
    const now = Date.now();
    if (this.localWindows.size >= MAX_LOCAL_WINDOWS) {
      for (const [name, window] of this.localWindows) {
        if (window.resetAt <= now) {
          this.localWindows.delete(name);
        }
      }
    }
    let window = this.localWindows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs };
      this.localWindows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, resetInMs: window.resetAt - now };
  }
}

function toRecord(
  { count, resetInMs }: WindowCount,
  limit: number,
): ThrottlerStorageRecord {
  const seconds = Math.max(1, Math.ceil(resetInMs / 1000));
  const isBlocked = count > limit;
  return {
    totalHits: count,
    timeToExpire: seconds,
    isBlocked,
    timeToBlockExpire: isBlocked ? seconds : 0,
  };
}
