import { Logger } from '@nestjs/common';
import { MemoryCacheStore } from '../redis/memory-cache-store';
import type { CacheStore, WindowCount } from '../redis/cache-store';
import { CacheThrottlerStorage } from './cache-throttler.storage';

/** A CacheStore whose backend can be switched off, as an open circuit looks. */
class SwitchableStore {
  available = true;
  readonly memory = new MemoryCacheStore();
  calls = 0;

  async countInWindow(
    key: string,
    windowMs: number,
  ): Promise<WindowCount | undefined> {
    this.calls += 1;
    return this.available
      ? this.memory.countInWindow(key, windowMs)
      : undefined;
  }
}

describe('CacheThrottlerStorage', () => {
  let store: SwitchableStore;
  let storage: CacheThrottlerStorage;
  let warn: jest.SpyInstance;

  beforeEach(() => {
    store = new SwitchableStore();
    storage = new CacheThrottlerStorage(store as unknown as CacheStore);
    warn = jest
      .spyOn(Logger.prototype, 'warn')
      .mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await store.memory.close();
  });

  it('asks the store once per request and blocks beyond the limit', async () => {
    for (let hit = 1; hit <= 3; hit += 1) {
      await expect(storage.increment('k', 60_000, 3)).resolves.toMatchObject({
        totalHits: hit,
        isBlocked: false,
      });
    }
    const blocked = await storage.increment('k', 60_000, 3);
    expect(blocked.isBlocked).toBe(true);
    expect(blocked.timeToBlockExpire).toBeGreaterThanOrEqual(1);
    expect(blocked.timeToBlockExpire).toBeLessThanOrEqual(60);
    expect(store.calls).toBe(4);
  });

  it('falls back to a per-instance window when the store is down, warning once per outage', async () => {
    store.available = false;
    for (let hit = 1; hit <= 2; hit += 1) {
      await expect(storage.increment('k', 60_000, 2)).resolves.toMatchObject({
        isBlocked: false,
      });
    }
    await expect(storage.increment('k', 60_000, 2)).resolves.toMatchObject({
      isBlocked: true,
    });
    await expect(storage.increment('other', 60_000, 2)).resolves.toMatchObject({
      isBlocked: false,
    });
    expect(warn).toHaveBeenCalledTimes(1);

    store.available = true;
    await expect(storage.increment('k', 60_000, 2)).resolves.toMatchObject({
      totalHits: 1,
    });
    store.available = false;
    await storage.increment('k', 60_000, 2);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('starts a new local window once the old one has expired', async () => {
    store.available = false;
    await storage.increment('k', 20, 1);
    await expect(storage.increment('k', 20, 1)).resolves.toMatchObject({
      isBlocked: true,
    });
    await new Promise((resolve) => setTimeout(resolve, 40));
    await expect(storage.increment('k', 20, 1)).resolves.toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
  });
});
