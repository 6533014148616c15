import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { CacheStore } from '../redis/cache-store';
import { MemoryCacheStore } from '../redis/memory-cache-store';
import { SessionCache, sessionCacheDefaults } from './session-cache.service';
import { activeSessionIdPolicy } from './sessions.cache-policies';

const ALICE_ID = '11111111-1111-4111-8111-111111111111';
const BOB_ID = '22222222-2222-4222-8222-222222222222';

/** A loader that answers `body` and counts how often PostgreSQL would have been asked. */
const loading = (body: string) => {
  const load = Object.assign(
    () => {
      load.calls += 1;
      return Promise.resolve(body);
    },
    { calls: 0 },
  );
  return load;
};

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('SessionCache.readThrough', () => {
  let store: MemoryCacheStore;
  let cache: SessionCache;

  beforeEach(async () => {
    store = new MemoryCacheStore();
    const moduleRef = await Test.createTestingModule({
      providers: [
        SessionCache,
        ...sessionCacheDefaults,
        { provide: CacheStore, useValue: store },
        { provide: ConfigService, useValue: { getOrThrow: () => 60 } },
      ],
    }).compile();
    cache = moduleRef.get(SessionCache);
  });

  afterEach(() => store.close());

  it('fills on a miss, under the user’s key, and answers the next call from the cache', async () => {
    const load = loading(JSON.stringify(ALICE_ID));
    const first = await cache.readThrough(activeSessionIdPolicy, 1, load);
    await flush();
    const second = await cache.readThrough(activeSessionIdPolicy, 1, load);
    expect(first).toBe(`"${ALICE_ID}"`);
    expect(second).toBe(`"${ALICE_ID}"`);
    expect(load.calls).toBe(1);
    await expect(store.read('session:active:user:1')).resolves.toEqual({
      raw: ALICE_ID,
    });
  });

  it('never answers one user from another user’s entry', async () => {
    await cache.readThrough(
      activeSessionIdPolicy,
      1,
      loading(JSON.stringify(ALICE_ID)),
    );
    await flush();
    const bobLoad = loading(JSON.stringify(BOB_ID));
    const bob = await cache.readThrough(activeSessionIdPolicy, 2, bobLoad);
    expect(bob).toBe(`"${BOB_ID}"`);
    expect(bobLoad.calls).toBe(1);
    await expect(store.read('session:active:user:2')).resolves.toEqual({
      raw: BOB_ID,
    });
  });

  it('drops a fill when a mutation fenced the key after the read', async () => {
    const body = await cache.readThrough(activeSessionIdPolicy, 1, async () => {
      await cache.invalidate(1);
      return JSON.stringify(ALICE_ID);
    });
    await flush();
    expect(body).toBe(`"${ALICE_ID}"`);
    const after = await store.read('session:active:user:1');
    expect(after?.raw).toMatch(/^~fence:/);
  });

  it('treats junk at the key as a miss and replaces it', async () => {
    await store.set('session:active:user:1', 'garbage', 60);
    const load = loading(JSON.stringify(ALICE_ID));
    const body = await cache.readThrough(activeSessionIdPolicy, 1, load);
    await flush();
    expect(body).toBe(`"${ALICE_ID}"`);
    expect(load.calls).toBe(1);
    await expect(store.read('session:active:user:1')).resolves.toEqual({
      raw: ALICE_ID,
    });
  });

  it('serves from PostgreSQL without filling when the cache cannot be read', async () => {
    jest.spyOn(store as CacheStore, 'read').mockResolvedValue(undefined);
    const fill = jest.spyOn(store, 'fill');
    const load = loading(JSON.stringify(ALICE_ID));
    await expect(
      cache.readThrough(activeSessionIdPolicy, 1, load),
    ).resolves.toBe(`"${ALICE_ID}"`);
    await flush();
    expect(load.calls).toBe(1);
    expect(fill).not.toHaveBeenCalled();
  });
});
