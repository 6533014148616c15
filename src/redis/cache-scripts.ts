/**
 * The Lua scripts behind `RedisCacheStore`. Each touches exactly one key, so each runs in
 * one slot of a Redis Cluster. Kept apart so the benchmark's floor runs the very same ones.
 */

/** Compare-and-set fill: writes only if the key still holds what the reader saw. */
export const FILL_SCRIPT = `
local current = redis.call('GET', KEYS[1])
local expectation = ARGV[1]
if (expectation == 'nil' and current == false) or (expectation == 'eq' and current == ARGV[2]) then
  redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4])
  return 1
end
return 0`;

/** Fill over a non-string value (a hash, a list) that a read found at the key. */
export const FILL_OVER_WRONG_TYPE_SCRIPT = `
if redis.call('TYPE', KEYS[1]).ok ~= 'string' and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
return 0`;

/** Fixed-window counter for the rate limiter. */
export const COUNT_IN_WINDOW_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

/** The scripts as commands of a client they are defined on (`defineCommand`). */
export interface CacheScriptCommands {
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
