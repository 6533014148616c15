import type { UserCachePolicy } from './session-cache.interceptor';
import { sessionCacheKeys } from './session-cache.keys';
import type { Session } from './session.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `GET /sessions/active` answers a JSON string (`"<uuid>"`); Redis holds the bare UUID,
 * as the FastAPI service stored it, so the two can share the key.
 */
export const activeSessionIdPolicy: UserCachePolicy<string> = {
  key: sessionCacheKeys.active,
  encode: (body) => JSON.parse(body) as string,
  decode: (raw) => (UUID.test(raw) ? JSON.stringify(raw) : undefined),
};

/**
 * The list is cached as the exact JSON body and sent back as it is: parsing and
 * re-serialising it cost more than the rest of the request for a user with 1,000
 * sessions (docs/benchmarks.md). Only this service writes the key; fences and anything
 * else that is not a JSON array are misses.
 */
export const sessionListPolicy: UserCachePolicy<Session[] | string> = {
  key: sessionCacheKeys.list,
  encode: (body) => (typeof body === 'string' ? body : JSON.stringify(body)),
  decode: (raw) => (raw.startsWith('[') && raw.endsWith(']') ? raw : undefined),
};
