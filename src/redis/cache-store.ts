import type { CircuitState } from './circuit-breaker';

/**
 * What a read saw at a key: the raw string, `null` for an empty key, and
 * `foreignType` when something other than a string (a hash, a list) sits there.
 */
export interface CacheRead {
  raw: string | null;
  foreignType?: true;
}

export interface WindowCount {
  count: number;
  resetInMs: number;
}

export interface CacheStoreHealth {
  backend: 'redis' | 'memory';
  status: 'up' | 'down';
  circuit: CircuitState;
}

/**
 * The cache as the service needs it: fenced reads and fills, and fences that invalidate.
 *
 * A fence replaces a key's value with a unique marker. A fill only lands if the key
 * still holds exactly what the filler read before it went to the database, so a reader
 * that loaded old rows can never overwrite a newer fence (the stale-set race).
 *
 * Every method is best effort: when the backend is unavailable reads return
 * `undefined` (a miss), fills are dropped, and fences are remembered and replayed once
 * the backend answers again. Nothing here ever throws at a request.
 */
export abstract class CacheStore {
  abstract read(key: string): Promise<CacheRead | undefined>;

  /** Writes `value` only if the key still holds what `seen` describes. */
  abstract fill(
    key: string,
    seen: CacheRead,
    value: string,
    ttlSeconds: number,
  ): Promise<void>;

  abstract fence(keys: string[], ttlSeconds: number): Promise<void>;

  /** Counts a hit in a fixed window; `undefined` when the backend is unavailable. */
  abstract countInWindow(
    key: string,
    windowMs: number,
  ): Promise<WindowCount | undefined>;

  abstract health(): Promise<CacheStoreHealth>;

  abstract close(): Promise<void>;
}

/** Values written by `fence` start with this; nothing else the service stores does. */
export const FENCE_PREFIX = '~fence:';
