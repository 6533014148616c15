import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import {
  VERIFIED_TOKEN_CACHE_SIZE,
  VerifiedTokenCache,
} from './verified-token-cache';

describe('VerifiedTokenCache', () => {
  const nowSeconds = 1_900_000_000;
  let cache: VerifiedTokenCache;

  beforeEach(async () => {
    jest.useFakeTimers({ now: nowSeconds * 1000 });
    const moduleRef = await Test.createTestingModule({
      providers: [
        VerifiedTokenCache,
        {
          provide: ConfigService,
          useValue: new ConfigService({ jwt: { clockToleranceSeconds: 30 } }),
        },
      ],
    }).compile();
    cache = moduleRef.get(VerifiedTokenCache);
  });

  afterEach(() => jest.useRealTimers());

  it('answers only the exact header it remembered', () => {
    cache.remember('Bearer a.b.c', { id: 7 }, nowSeconds + 60);

    expect(cache.get('Bearer a.b.c')).toEqual({ id: 7 });
    expect(cache.get('Bearer a.b.d')).toBeUndefined();
    expect(cache.get('bearer a.b.c')).toBeUndefined();
    expect(cache.get(undefined)).toBeUndefined();
  });

  it('forgets a token once it is expired, clock tolerance included', () => {
    cache.remember('Bearer a.b.c', { id: 7 }, nowSeconds + 10);

    jest.setSystemTime((nowSeconds + 39) * 1000);
    expect(cache.get('Bearer a.b.c')).toEqual({ id: 7 });

    jest.setSystemTime((nowSeconds + 40) * 1000);
    expect(cache.get('Bearer a.b.c')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('stays bounded, evicting the oldest entry', () => {
    for (let i = 0; i <= VERIFIED_TOKEN_CACHE_SIZE; i++) {
      cache.remember(`Bearer ${i}`, { id: i + 1 }, nowSeconds + 60);
    }

    expect(cache.size).toBe(VERIFIED_TOKEN_CACHE_SIZE);
    expect(cache.get('Bearer 0')).toBeUndefined();
    expect(cache.get(`Bearer ${VERIFIED_TOKEN_CACHE_SIZE}`)).toEqual({
      id: VERIFIED_TOKEN_CACHE_SIZE + 1,
    });
  });
});
