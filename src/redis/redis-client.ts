// The Redis connection: short timeouts, no offline queue, and the store's Lua scripts.
import Redis, { Cluster, RedisOptions } from 'ioredis';
import type { RedisSettings } from '../config';
import {
  CacheScriptCommands,
  COUNT_IN_WINDOW_SCRIPT,
  FILL_OVER_WRONG_TYPE_SCRIPT,
  FILL_SCRIPT,
} from './cache-scripts';
import { createClusterClient } from './redis-cluster';

/** Redis answers in well under a millisecond here; 250 ms means it is not answering. */
export const REDIS_COMMAND_TIMEOUT_MS = 250;
export const REDIS_CONNECT_TIMEOUT_MS = 1_000;

export type ScriptedRedis = (Redis | Cluster) & CacheScriptCommands;

/**
 * A single Redis or, with `clusterNodes`, a Redis Cluster client, with the same short
 * timeouts and no offline queue. Every command and script the store sends touches
 * exactly one key, so each one stays inside one hash slot.
 */
export function createRedisClient(
  settings: RedisSettings,
  keyPrefix: string,
): ScriptedRedis {
  const options: RedisOptions = {
    keyPrefix,
    lazyConnect: true,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
  };
  const retry = (attempt: number) => Math.min(attempt * 100, 1_000);
  const client = (
    settings.clusterNodes
      ? createClusterClient(settings.clusterNodes, options, retry)
      : settings.url
        ? new Redis(settings.url, { ...options, retryStrategy: retry })
        : new Redis({
            ...options,
            retryStrategy: retry,
            host: settings.host,
            port: settings.port,
            db: settings.db,
          })
  ) as ScriptedRedis;
  client.defineCommand('fenceFill', { numberOfKeys: 1, lua: FILL_SCRIPT });
  client.defineCommand('fillOverWrongType', {
    numberOfKeys: 1,
    lua: FILL_OVER_WRONG_TYPE_SCRIPT,
  });
  client.defineCommand('countInWindow', {
    numberOfKeys: 1,
    lua: COUNT_IN_WINDOW_SCRIPT,
  });
  return client;
}
