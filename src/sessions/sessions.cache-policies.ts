import { sessionCacheKeys } from './session-cache.keys';
import type { Session } from './session.entity';

/** How one GET route is cached: its per-user key and what Redis holds for its body. */
export interface UserCachePolicy<Body> {
  key: (userId: number) => string;
  /** The value to store for a body; `json` is the body as the response sends it. */
  toCache: (body: Body, json: string) => string;
  /** The response JSON for a stored value; `undefined` (a miss) for junk or another user's. */
  fromCache: (raw: string, userId: number) => string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `GET /sessions/active` answers a JSON string (`"<uuid>"`); Redis holds the bare UUID,
 * as the FastAPI service stored it, so the two can share the key.
 */
export const activeSessionIdPolicy: UserCachePolicy<string> = {
  key: sessionCacheKeys.active,
  toCache: (id) => id,
  fromCache: (raw) => (UUID.test(raw) ? JSON.stringify(raw) : undefined),
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

const isListOf = (userId: number, raw: string): boolean => {
  if (!raw.startsWith('[')) {
    return false;
  }
  try {
    const parsed: unknown = JSON.parse(raw);
    return (
      Array.isArray(parsed) &&
      parsed.every((session) => isSessionOf(userId, session))
    );
  } catch {
    return false;
  }
};

/**
 * The cached list each user was last served, already checked, within a budget of
 * characters (oldest users dropped first). A hit that finds the very same string at the
 * key again skips the parse: for a user with 1,000 sessions, most of a hit's CPU.
 * Short lists are not kept: parsing them costs a few µs, while holding thousands of
 * them made every garbage collection slower (docs/benchmarks.md).
 */
export class CheckedLists {
  private readonly byUser = new Map<number, string>();
  private chars = 0;

  constructor(
    private readonly budgetChars: number,
    private readonly minChars = 0,
  ) {}

  has(userId: number, raw: string): boolean {
    return this.byUser.get(userId) === raw;
  }

  remember(userId: number, raw: string): void {
    this.forget(userId);
    if (raw.length < this.minChars || raw.length > this.budgetChars) {
      return;
    }
    this.byUser.set(userId, raw);
    this.chars += raw.length;
    for (const oldest of this.byUser.keys()) {
      if (this.chars <= this.budgetChars) {
        break;
      }
      this.forget(oldest);
    }
  }

  private forget(userId: number): void {
    const previous = this.byUser.get(userId);
    if (previous !== undefined) {
      this.byUser.delete(userId);
      this.chars -= previous.length;
    }
  }
}

/**
 * A cached list is served only if it parses and every element is a session of the
 * caller; then as the exact stored JSON, since re-serialising it cost more than the rest
 * of the request for a user with 1,000 sessions (docs/benchmarks.md).
 */
export class SessionListPolicy implements UserCachePolicy<Session[]> {
  readonly key = sessionCacheKeys.list;

  /** Lists of about 200 sessions and more; 8 MB in all, about 50 lists of 1,000. */
  constructor(private readonly checked = new CheckedLists(8_000_000, 32_000)) {}

  toCache(_body: Session[], json: string): string {
    return json;
  }

  fromCache(raw: string, userId: number): string | undefined {
    if (this.checked.has(userId, raw)) {
      return raw;
    }
    if (!isListOf(userId, raw)) {
      return undefined;
    }
    this.checked.remember(userId, raw);
    return raw;
  }
}
