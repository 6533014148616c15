// The cache store on Redis: fenced reads and fills behind a timeout and a circuit breaker.
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ReplyError } from 'ioredis';
import { describeRedis, type RedisSettings } from '../config';
import {
  CacheRead,
  CacheStore,
  CacheStoreHealth,
  FENCE_PREFIX,
  WindowCount,
} from './cache-store';
import { CircuitBreaker } from './circuit-breaker';
import { FenceReplayQueue } from './fence-replay-queue';
import {
  createRedisClient,
  REDIS_CONNECT_TIMEOUT_MS,
  ScriptedRedis,
} from './redis-client';
import { CLUSTER_UNAVAILABLE } from './redis-cluster';

const BREAKER_FAILURE_THRESHOLD = 2;
const BREAKER_PROBE_INTERVAL_MS = 500;

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
  private readonly pendingFences = new FenceReplayQueue();

  constructor(settings: RedisSettings, keyPrefix: string) {
    super();
    this.client = createRedisClient(settings, keyPrefix);
    this.client.on('error', () => {
      // reported through the circuit breaker; ioredis keeps reconnecting on its own
    });
    this.client.on('close', () => this.breaker.open());
    const redis = describeRedis(settings);
    this.breaker = new CircuitBreaker(
      {
        failureThreshold: BREAKER_FAILURE_THRESHOLD,
        probeIntervalMs: BREAKER_PROBE_INTERVAL_MS,
      },
      () => this.probe(),
      (state) =>
        state === 'open'
          ? this.logger.warn(
              `${redis} is not answering: serving from PostgreSQL until it is back`,
            )
          : this.logger.log(`${redis} answers again: cache back in use`),
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
    if (written) {
      return;
    }
    if (!this.pendingFences.remember(keys, ttlSeconds)) {
      this.logger.error(
        `More than ${this.pendingFences.limit} cache invalidations are waiting for Redis; later ones are dropped and may be served stale until their TTL`,
      );
      return;
    }
    this.breaker.open();
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

  private async probe(): Promise<void> {
    await this.client.ping();
    await this.pendingFences.replay((key, ttlSeconds) =>
      this.writeFences([key], ttlSeconds),
    );
  }
}
