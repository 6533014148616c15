import type { ApiClient, ApiResult } from './api-client';

export interface SeededRandom {
  /** A float in [0, 1). */
  next(): number;
  pick<T>(items: readonly T[]): T;
}

/** A small seeded PRNG (mulberry32), so a failing run can be replayed from its seed. */
export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)],
  };
}

export type Operation =
  | 'create'
  | 'activate'
  | 'remove'
  | 'deactivate'
  | 'rename'
  | 'active'
  | 'list';

/** One operation of the random workloads, on `title` (and `newTitle` for a rename). */
export function runOperation(
  client: ApiClient,
  op: Operation,
  user: number,
  title: string,
  newTitle: string,
): Promise<ApiResult> {
  return {
    create: () => client.create(user, title),
    activate: () => client.activate(user, title),
    remove: () => client.remove(user, title),
    deactivate: () => client.deactivate(user),
    rename: () => client.rename(user, title, newTitle),
    active: () => client.active(user),
    list: () => client.list(user),
  }[op]();
}
