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

export const sessionListPolicy: UserCachePolicy<Session[] | unknown[]> = {
  key: sessionCacheKeys.list,
  encode: (body) => JSON.stringify(body),
  decode: (raw) => {
    if (!raw.startsWith('[')) {
      return undefined;
    }
    try {
      const parsed: unknown = JSON.parse(raw);
      return Array.isArray(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  },
};
