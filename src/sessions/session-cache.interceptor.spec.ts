import { CallHandler, ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { lastValueFrom, of } from 'rxjs';
import { CacheStore } from '../redis/cache-store';
import { MemoryCacheStore } from '../redis/memory-cache-store';
import { UserCacheInterceptor } from './session-cache.interceptor';
import { SessionCache, sessionCacheDefaults } from './session-cache.service';
import { SessionsController } from './sessions.controller';

const ALICE_ID = '11111111-1111-4111-8111-111111111111';

function contextFor(
  userId: number,
  handler: (...args: never[]) => unknown,
): ExecutionContext {
  return {
    switchToHttp: () => ({ getRequest: () => ({ user: { id: userId } }) }),
    getHandler: () => handler,
    getClass: () => SessionsController,
  } as unknown as ExecutionContext;
}

const answering = (body: unknown) => {
  const handler: CallHandler & { calls: number } = {
    calls: 0,
    handle: () => {
      handler.calls += 1;
      return of(body);
    },
  };
  return handler;
};

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('UserCacheInterceptor', () => {
  let interceptor: UserCacheInterceptor;
  let store: MemoryCacheStore;
  let cache: SessionCache;
  const activeHandler = SessionsController.prototype.activeSessionId;

  beforeEach(async () => {
    store = new MemoryCacheStore();
    const moduleRef = await Test.createTestingModule({
      providers: [
        UserCacheInterceptor,
        SessionCache,
        Reflector,
        ...sessionCacheDefaults,
        { provide: CacheStore, useValue: store },
        { provide: ConfigService, useValue: { getOrThrow: () => 60 } },
      ],
    }).compile();
    interceptor = moduleRef.get(UserCacheInterceptor);
    cache = moduleRef.get(SessionCache);
  });

  afterEach(() => store.close());

  it('keys every entry by the authenticated user', () => {
    expect(interceptor.trackBy(contextFor(7, activeHandler))).toBe(
      'session:active:user:7',
    );
    expect(interceptor.trackBy(contextFor(8, activeHandler))).toBe(
      'session:active:user:8',
    );
  });

  it('fills on a miss and answers the next call from the cache', async () => {
    const handler = answering(JSON.stringify(ALICE_ID));
    const first = await lastValueFrom(
      await interceptor.intercept(contextFor(1, activeHandler), handler),
    );
    await flush();
    const second = await lastValueFrom(
      await interceptor.intercept(contextFor(1, activeHandler), handler),
    );
    expect(first).toBe(`"${ALICE_ID}"`);
    expect(second).toBe(`"${ALICE_ID}"`);
    expect(handler.calls).toBe(1);
    await expect(store.read('session:active:user:1')).resolves.toEqual({
      raw: ALICE_ID,
    });
  });

  it('never answers one user from another user’s entry', async () => {
    await lastValueFrom(
      await interceptor.intercept(
        contextFor(1, activeHandler),
        answering(JSON.stringify(ALICE_ID)),
      ),
    );
    await flush();
    const bobHandler = answering('"22222222-2222-4222-8222-222222222222"');
    const bob = await lastValueFrom(
      await interceptor.intercept(contextFor(2, activeHandler), bobHandler),
    );
    expect(bob).toBe('"22222222-2222-4222-8222-222222222222"');
    expect(bobHandler.calls).toBe(1);
  });

  it('drops a fill when a mutation fenced the key after the read', async () => {
    const observable = await interceptor.intercept(
      contextFor(1, activeHandler),
      {
        handle: () => of(JSON.stringify(ALICE_ID)),
      },
    );
    await cache.invalidate(1);
    await lastValueFrom(observable);
    await flush();
    const after = await store.read('session:active:user:1');
    expect(after?.raw).toMatch(/^~fence:/);
  });

  it('treats junk at the key as a miss and replaces it', async () => {
    await store.set('session:active:user:1', 'garbage', 60);
    const handler = answering(JSON.stringify(ALICE_ID));
    const body = await lastValueFrom(
      await interceptor.intercept(contextFor(1, activeHandler), handler),
    );
    await flush();
    expect(body).toBe(`"${ALICE_ID}"`);
    expect(handler.calls).toBe(1);
    await expect(store.read('session:active:user:1')).resolves.toEqual({
      raw: ALICE_ID,
    });
  });
});
