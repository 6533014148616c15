import type { UserCachePolicy } from './session-cache.service';
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

const isSessionOf = (userId: number, value: unknown): boolean => {
  const session = value as Record<string, unknown> | null;
  return (
    typeof session === 'object' &&
    session !== null &&
    typeof session.id === 'string' &&
    UUID.test(session.id) &&
    session.user_id === userId &&
    typeof session.title === 'string' &&
    typeof session.active === 'boolean' &&
    typeof session.created_at === 'string' &&
    typeof session.updated_at === 'string'
  );
};

/**
 * A cached list is served only if it parses and every element is a session of the
 * caller. It is then sent back as the exact stored JSON: re-serialising it cost more
 * than the rest of the request for a user with 1,000 sessions (docs/benchmarks.md).
 */
export const sessionListPolicy: UserCachePolicy<Session[] | string> = {
  key: sessionCacheKeys.list,
  encode: (body) => (typeof body === 'string' ? body : JSON.stringify(body)),
  decode: (raw, userId) => {
    if (!raw.startsWith('[')) {
      return undefined;
    }
    try {
      const parsed: unknown = JSON.parse(raw);
      return Array.isArray(parsed) &&
        parsed.every((session) => isSessionOf(userId, session))
        ? raw
        : undefined;
    } catch {
      return undefined;
    }
  },
};
