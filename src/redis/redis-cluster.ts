// The Redis Cluster client: a live slot map, no cluster-down retries, nodes opened at once.
import Redis, { Cluster, RedisOptions } from 'ioredis';
import type { RedisNode } from '../config';

const CLUSTER_SLOTS_REFRESH_MS = 2_000;

/**
 * Cluster replies that mean "this slot cannot be served now": availability failures
 * for the breaker, unlike WRONGTYPE, which is about the value at the key.
 */
export const CLUSTER_UNAVAILABLE = /^(CLUSTERDOWN|TRYAGAIN|MASTERDOWN|LOADING)/;

/** A cluster client whose node connections use `options` (the single-node ones). */
export function createClusterClient(
  nodes: RedisNode[],
  options: RedisOptions,
  retry: (attempt: number) => number,
): Cluster {
  const { enableOfflineQueue, enableAutoPipelining, lazyConnect, ...node } =
    options;
  const cluster = new Cluster(nodes, {
    enableOfflineQueue,
    enableAutoPipelining,
    lazyConnect,
    clusterRetryStrategy: retry,
    slotsRefreshTimeout: options.connectTimeout,
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
