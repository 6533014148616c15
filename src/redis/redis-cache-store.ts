import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import Redis, { Cluster, ReplyError } from 'ioredis';
import type { RedisSettings } from '../config';
import {
  CacheRead,
  CacheStore,
  CacheStoreHealth,
  FENCE_PREFIX,
  WindowCount,
} from './cache-store';
import {
  COUNT_IN_WINDOW_SCRIPT,
  FILL_OVER_WRONG_TYPE_SCRIPT,
  FILL_SCRIPT,
} from './cache-scripts';
import { CircuitBreaker } from './circuit-breaker';

/** Redis answers in well under a millisecond here; 250 ms means it is not answering. */
export const REDIS_COMMAND_TIMEOUT_MS = 250;
const REDIS_CONNECT_TIMEOUT_MS = 1_000;
const CLUSTER_SLOTS_REFRESH_MS = 2_000;
const BREAKER_FAILURE_THRESHOLD = 2;
const BREAKER_PROBE_INTERVAL_MS = 500;
const MAX_PENDING_FENCES = 100_000;
const REPLAY_BATCH_SIZE = 500;

interface Scripts {
  fenceFill(
    key: string,
    expectation: 'nil' | 'eq',
    expected: string,
    value: string,
    ttlSeconds: number,
  ): Promise<number>;
  fillOverWrongType(
    key: string,
    value: string,
    ttlSeconds: number,
  ): Promise<number>;
  countInWindow(key: string, windowMs: number): Promise<[number, number]>;
}

type ScriptedRedis = (Redis | Cluster) & Scripts;

/**
 * Cluster replies that mean "this slot cannot be served now": availability failures
 * for the breaker, unlike WRONGTYPE, which is about the value at the key.
 */
const CLUSTER_UNAVAILABLE = /^(CLUSTERDOWN|TRYAGAIN|MASTERDOWN|LOADING)/;

/**
 * A single Redis or, with `clusterNodes`, a Redis Cluster client, with the same short
 * timeouts and no offline queue. Every command and script the store sends touches
 * exactly one key, so each one stays inside one hash slot.
 */
function createClient(
  settings: RedisSettings,
  keyPrefix: string,
): Redis | Cluster {
  const options = {
    keyPrefix,
    lazyConnect: true,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
  };
  const retry = (attempt: number) => Math.min(attempt * 100, 1_000);
  if (settings.clusterNodes) {
    const { enableOfflineQueue, enableAutoPipelining, lazyConnect, ...node } =
      options;
    const cluster = new Cluster(settings.clusterNodes, {
      enableOfflineQueue,
      enableAutoPipelining,
      lazyConnect,
      clusterRetryStrategy: retry,
      slotsRefreshTimeout: REDIS_CONNECT_TIMEOUT_MS,
      // Re-reads the slot map, so a master that comes back is reconnected within seconds.
      slotsRefreshInterval: CLUSTER_SLOTS_REFRESH_MS,
      // ioredis retries these for up to 16 × 100 ms by default; fail at once instead,
      // the breaker and PostgreSQL take over (a request must never wait on the cache).
      retryDelayOnClusterDown: 0,
      retryDelayOnFailover: 0,
      redisOptions: node,
    });
    // Node connections open lazily, and without an offline queue a command racing a
    // connection that is still opening fails: open each one as soon as it is known.
    cluster.on('+node', (redis: Redis) => {
      if (redis.status === 'wait') {
        redis.connect().catch(() => undefined);
      }
    });
    return cluster;
  }
  return settings.url
    ? new Redis(settings.url, { ...options, retryStrategy: retry })
    : new Redis({
        ...options,
        retryStrategy: retry,
        host: settings.host,
        port: settings.port,
        db: settings.db,
      });
}

/**
 * Redis behind a short command timeout, no offline queue and a circuit breaker, so a
 * slow, frozen or absent Redis costs a request at most one timeout and usually nothing.
 */
export class RedisCacheStore extends CacheStore {
  private readonly logger = new Logger('Redis');
  private readonly client: ScriptedRedis;
  private readonly breaker: CircuitBreaker;
  private readonly fencePrefix = `${FENCE_PREFIX}${randomBytes(6).toString('hex')}:`;
  private fenceCounter = 0;
  private readonly pendingFences = new Map<string, number>();

  constructor(settings: RedisSettings, keyPrefix: string) {
    super();
    this.client = createClient(settings, keyPrefix) as ScriptedRedis;
    this.client.defineCommand('fenceFill', {
      numberOfKeys: 1,
      lua: FILL_SCRIPT,
    });
    this.client.defineCommand('fillOverWrongType', {
      numberOfKeys: 1,
      lua: FILL_OVER_WRONG_TYPE_SCRIPT,
    });
    this.client.defineCommand('countInWindow', {
      numberOfKeys: 1,
      lua: COUNT_IN_WINDOW_SCRIPT,
    });
    this.client.on('error', () => {
      // reported through the circuit breaker; ioredis keeps reconnecting on its own
    });
    this.client.on('close', () => this.breaker.open());
    this.breaker = new CircuitBreaker(
      {
        failureThreshold: BREAKER_FAILURE_THRESHOLD,
        probeIntervalMs: BREAKER_PROBE_INTERVAL_MS,
      },
      () => this.probe(),
      (state) =>
        state === 'open'
          ? this.logger.warn(
              'Redis is not answering: serving from PostgreSQL until it is back',
            )
          : this.logger.log('Redis answers again: cache back in use'),
    );
  }

  /** Connects once; a Redis that is down at boot only opens the circuit. */
  async connect(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      // A cluster client keeps retrying inside connect(); start-up must not wait on it.
      await Promise.race([
        this.client.connect(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('connect timed out')),
            REDIS_CONNECT_TIMEOUT_MS * 3,
          );
        }),
      ]);
    } catch {
      this.breaker.open();
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    // A deliberate close is no outage: do not open the breaker and start probing.
    this.client.removeAllListeners('close');
    this.breaker.stop();
    this.client.disconnect();
    return Promise.resolve();
  }

  async read(key: string): Promise<CacheRead | undefined> {
    try {
      const raw = await this.run(() => this.client.get(key), true);
      return raw === undefined ? undefined : { raw };
    } catch {
      return { raw: null, foreignType: true };
    }
  }

  async fill(
    key: string,
    seen: CacheRead,
    value: string,
    ttlSeconds: number,
  ): Promise<void> {
    await this.run(() => {
      if (seen.foreignType) {
        return this.client.fillOverWrongType(key, value, ttlSeconds);
      }
      return seen.raw === null
        ? this.client.fenceFill(key, 'nil', '', value, ttlSeconds)
        : this.client.fenceFill(key, 'eq', seen.raw, value, ttlSeconds);
    });
  }

  async fence(keys: string[], ttlSeconds: number): Promise<void> {
    const written = await this.run(() => this.writeFences(keys, ttlSeconds));
    if (!written) {
      this.rememberFences(keys, ttlSeconds);
    }
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.run(() => this.client.set(key, value, 'EX', ttlSeconds));
  }

  async delete(keys: string[]): Promise<void> {
    await this.run(() => Promise.all(keys.map((key) => this.client.del(key))));
  }

  async countInWindow(
    key: string,
    windowMs: number,
  ): Promise<WindowCount | undefined> {
    const result = await this.run(() =>
      this.client.countInWindow(key, windowMs),
    );
    return result && { count: Number(result[0]), resetInMs: Number(result[1]) };
  }

  async health(): Promise<CacheStoreHealth> {
    const up =
      !this.breaker.isOpen &&
      (await this.run(() => this.client.ping())) === 'PONG';
    return {
      backend: 'redis',
      status: up ? 'up' : 'down',
      circuit: this.breaker.state,
    };
  }

  /**
   * Runs one Redis call unless the circuit is open. Availability failures feed the
   * breaker and yield `undefined`; a reply error (WRONGTYPE) is rethrown only when asked.
   */
  private async run<T>(
    call: () => Promise<T>,
    rethrowReplyErrors = false,
  ): Promise<T | undefined> {
    // While a fence is waiting to be replayed, what Redis holds may predate a commit
    // this instance has acknowledged: keep off it until the probe has replayed them all.
    if (this.pendingFences.size > 0) {
      this.breaker.open();
    }
    if (this.breaker.isOpen) {
      return undefined;
    }
    try {
      const result = await call();
      this.breaker.recordSuccess();
      return result;
    } catch (error) {
      if (
        error instanceof ReplyError &&
        !CLUSTER_UNAVAILABLE.test((error as Error).message)
      ) {
        if (rethrowReplyErrors) {
          throw error;
        }
        return undefined;
      }
      this.breaker.recordFailure();
      return undefined;
    }
  }

  /**
   * One SET per key (auto-pipelined): the keys of one user live in different slots.
   * Resolves `true` so that `run` can tell a written fence from a skipped one.
   */
  private async writeFences(keys: string[], ttlSeconds: number): Promise<true> {
    await Promise.all(
      keys.map((key) =>
        this.client.set(
          key,
          this.fencePrefix + ++this.fenceCounter,
          'EX',
          ttlSeconds,
        ),
      ),
    );
    return true;
  }

  private rememberFences(keys: string[], ttlSeconds: number): void {
    if (this.pendingFences.size >= MAX_PENDING_FENCES) {
      this.logger.error(
        `More than ${MAX_PENDING_FENCES} cache invalidations are waiting for Redis; later ones are dropped and may be served stale until their TTL`,
      );
      return;
    }
    keys.forEach((key) => this.pendingFences.set(key, ttlSeconds));
    this.breaker.open();
  }

  /** Replays until none is left, including fences remembered while replaying. */
  private async replayPendingFences(): Promise<void> {
    while (this.pendingFences.size > 0) {
      const batch = [...this.pendingFences].slice(0, REPLAY_BATCH_SIZE);
      batch.forEach(([key]) => this.pendingFences.delete(key));
      try {
        await Promise.all(
          batch.map(([key, ttlSeconds]) => this.writeFences([key], ttlSeconds)),
        );
      } catch (error) {
        for (const [key, ttlSeconds] of batch) {
          if (!this.pendingFences.has(key)) {
            this.pendingFences.set(key, ttlSeconds);
          }
        }
        throw error;
      }
    }
  }

  private async probe(): Promise<void> {
    await this.client.ping();
    await this.replayPendingFences();
  }
}
