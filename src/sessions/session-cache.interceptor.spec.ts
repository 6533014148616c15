import { CallHandler, ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { lastValueFrom, of } from 'rxjs';
import { CacheStore } from '../redis/cache-store';
import { MemoryCacheStore } from '../redis/memory-cache-store';
import {
  CachedPerUser,
  SessionCacheInterceptor,
} from './session-cache.interceptor';
import { SessionCache } from './session-cache.service';

const ALICE_ID = '11111111-1111-4111-8111-111111111111';
const BOB_ID = '22222222-2222-4222-8222-222222222222';

class Routes {
  @CachedPerUser('active')
  activeSessionId() {}
}

/** The execution context of `GET /sessions/active` for one user, with its reply. */
function activeRouteOf(userId: number) {
  const reply = { type: jest.fn() };
  const context = {
    getHandler: () => Routes.prototype.activeSessionId,
    getClass: () => Routes,
    switchToHttp: () => ({
      getRequest: () => ({ user: { id: userId } }),
      getResponse: () => reply,
    }),
  } as unknown as ExecutionContext;
  return { context, reply };
}

/** A handler that answers `body` and counts how often PostgreSQL would have been asked. */
const handlerAnswering = (body: unknown) => {
  const handler = {
    calls: 0,
    handle: () => {
      handler.calls += 1;
      return of(body);
    },
  };
  return handler satisfies CallHandler;
};

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('SessionCacheInterceptor', () => {
  let store: MemoryCacheStore;
  let cache: SessionCache;
  let interceptor: SessionCacheInterceptor;

  const get = async (userId: number, handler: CallHandler) =>
    lastValueFrom(
      await interceptor.intercept(activeRouteOf(userId).context, handler),
    );

  beforeEach(async () => {
    store = new MemoryCacheStore();
    const moduleRef = await Test.createTestingModule({
      providers: [
        SessionCacheInterceptor,
        SessionCache,
        Reflector,
        { provide: CacheStore, useValue: store },
        { provide: ConfigService, useValue: { getOrThrow: () => 60 } },
      ],
    }).compile();
    cache = moduleRef.get(SessionCache);
    interceptor = moduleRef.get(SessionCacheInterceptor);
  });

  afterEach(() => store.close());

  it('fills on a miss, under the user’s key, and answers the next call from the cache', async () => {
    const handler = handlerAnswering(ALICE_ID);
    const first = await get(1, handler);
    await flush();
    const second = await get(1, handler);
    expect(first).toBe(`"${ALICE_ID}"`);
    expect(second).toBe(`"${ALICE_ID}"`);
    expect(handler.calls).toBe(1);
    await expect(store.read('session:active:user:1')).resolves.toEqual({
      raw: ALICE_ID,
    });
  });

  it('answers with the JSON content type, hit or miss', async () => {
    const { context, reply } = activeRouteOf(1);
    await lastValueFrom(
      await interceptor.intercept(context, handlerAnswering(ALICE_ID)),
    );
    await flush();
    await lastValueFrom(
      await interceptor.intercept(context, handlerAnswering(ALICE_ID)),
    );
    expect(reply.type.mock.calls).toEqual([
      ['application/json; charset=utf-8'],
      ['application/json; charset=utf-8'],
    ]);
  });

  it('never answers one user from another user’s entry', async () => {
    await get(1, handlerAnswering(ALICE_ID));
    await flush();
    const bobHandler = handlerAnswering(BOB_ID);
    await expect(get(2, bobHandler)).resolves.toBe(`"${BOB_ID}"`);
    expect(bobHandler.calls).toBe(1);
    await flush();
    await expect(store.read('session:active:user:2')).resolves.toEqual({
      raw: BOB_ID,
    });
  });

  it('drops a fill when a mutation fenced the key after the read', async () => {
    const fencingHandler = {
      handle: () => {
        void cache.invalidate(1);
        return of(ALICE_ID);
      },
    };
    await expect(get(1, fencingHandler)).resolves.toBe(`"${ALICE_ID}"`);
    await flush();
    const after = await store.read('session:active:user:1');
    expect(after?.raw).toMatch(/^~fence:/);
  });

  it('treats junk at the key as a miss and replaces it', async () => {
    await store.fill('session:active:user:1', { raw: null }, 'garbage', 60);
    const handler = handlerAnswering(ALICE_ID);
    await expect(get(1, handler)).resolves.toBe(`"${ALICE_ID}"`);
    await flush();
    expect(handler.calls).toBe(1);
    await expect(store.read('session:active:user:1')).resolves.toEqual({
      raw: ALICE_ID,
    });
  });

  it('serves from PostgreSQL without filling when the cache cannot be read', async () => {
    jest.spyOn(store as CacheStore, 'read').mockResolvedValue(undefined);
    const fill = jest.spyOn(store, 'fill');
    const handler = handlerAnswering(ALICE_ID);
    await expect(get(1, handler)).resolves.toBe(`"${ALICE_ID}"`);
    await flush();
    expect(handler.calls).toBe(1);
    expect(fill).not.toHaveBeenCalled();
  });
});
