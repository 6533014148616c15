import { randomBytes } from 'node:crypto';
import {
  CacheRead,
  CacheStore,
  CacheStoreHealth,
  FENCE_PREFIX,
  WindowCount,
} from './cache-store';

interface Entry {
  value: string;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;

/** The in-process cache used when no Redis is configured (single instance only). */
export class MemoryCacheStore extends CacheStore {
  private readonly entries = new Map<string, Entry>();
  private readonly fencePrefix = `${FENCE_PREFIX}${randomBytes(6).toString('hex')}:`;
  private fenceCounter = 0;
  private readonly sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);

  constructor() {
    super();
    this.sweeper.unref();
  }

  read(key: string): Promise<CacheRead> {
    return Promise.resolve({ raw: this.current(key) });
  }

  fill(
    key: string,
    seen: CacheRead,
    value: string,
    ttlSeconds: number,
  ): Promise<void> {
    if (this.current(key) === seen.raw) {
      this.put(key, value, ttlSeconds * 1000);
    }
    return Promise.resolve();
  }

  fence(keys: string[], ttlSeconds: number): Promise<void> {
    for (const key of keys) {
      this.put(key, this.fencePrefix + ++this.fenceCounter, ttlSeconds * 1000);
    }
    return Promise.resolve();
  }

  countInWindow(key: string, windowMs: number): Promise<WindowCount> {
    const now = Date.now();
    const entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= now) {
      this.entries.set(key, { value: '1', expiresAt: now + windowMs });
      return Promise.resolve({ count: 1, resetInMs: windowMs });
    }
    entry.value = String(Number(entry.value) + 1);
    return Promise.resolve({
      count: Number(entry.value),
      resetInMs: entry.expiresAt - now,
    });
  }

  health(): Promise<CacheStoreHealth> {
    return Promise.resolve({
      backend: 'memory',
      status: 'up',
      circuit: 'closed',
    });
  }

  close(): Promise<void> {
    clearInterval(this.sweeper);
    return Promise.resolve();
  }

  private current(key: string): string | null {
    const entry = this.entries.get(key);
    if (!entry) {
      return null;
    }
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  private put(key: string, value: string, ttlMs: number): void {
    this.entries.set(key, { value, expiresAt: Date.now() + ttlMs });
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) {
        this.entries.delete(key);
      }
    }
  }
}
