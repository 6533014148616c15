/** Every cache key the sessions feature uses; each one carries the user id. */
export const sessionCacheKeys = {
  /** The FastAPI service's key: the active session id, as a bare UUID string. */
  active: (userId: number) => `session:active:user:${userId}`,
  list: (userId: number) => `session:list:user:${userId}`,
  all: (userId: number) => [
    sessionCacheKeys.active(userId),
    sessionCacheKeys.list(userId),
  ],
};
