import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import type { FastifyRequest } from 'fastify';
import { AuthenticationError } from '../common/errors';
import { JwtStrategy } from './jwt.strategy';
import { parseUserId } from './user-id';
import { VerifiedTokenCache } from './verified-token-cache';

describe('parseUserId', () => {
  it.each([
    ['42', 42],
    ['1', 1],
    ['2147483647', 2147483647],
    [42, 42],
    [2147483647, 2147483647],
  ])('accepts %j', (sub, id) => {
    expect(parseUserId(sub)).toBe(id);
  });

  it.each([
    '0',
    '-1',
    '007',
    ' 7',
    '7 ',
    '+7',
    '1e3',
    '0x10',
    '2147483648',
    '',
    '4.2',
    0,
    -1,
    1.5,
    2147483648,
    Number.MAX_SAFE_INTEGER + 2,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    null,
    true,
    [1],
    { id: 1 },
    undefined,
  ])('rejects %j', (sub) => {
    expect(parseUserId(sub)).toBeUndefined();
  });
});

describe('JwtStrategy.validate', () => {
  let strategy: JwtStrategy;
  const exp = Math.floor(Date.now() / 1000) + 60;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({
      providers: [
        JwtStrategy,
        VerifiedTokenCache,
        {
          provide: ConfigService,
          useValue: {
            getOrThrow: () => ({
              secret: 'unit-secret',
              algorithm: 'HS256',
              clockToleranceSeconds: 30,
            }),
          },
        },
      ],
    }).compile();
    strategy = moduleRef.get(JwtStrategy);
  });

  const request = (authorization = 'Bearer token') =>
    ({ headers: { authorization } }) as unknown as FastifyRequest;

  it('returns the principal for an auth-service token payload', () => {
    expect(strategy.validate(request(), { sub: '42', exp })).toEqual({
      id: 42,
    });
  });

  it.each([
    ['a string payload', 'sub'],
    ['an array payload', [1]],
    ['a null payload', null],
    ['a missing exp', { sub: '1' }],
    ['a string exp', { sub: '1', exp: String(exp) }],
    ['an infinite exp', { sub: '1', exp: Number.POSITIVE_INFINITY }],
    ['a missing sub', { exp }],
    ['a zero-padded sub', { sub: '007', exp }],
    ['an out-of-range sub', { sub: '2147483648', exp }],
  ])('rejects %s with an AuthenticationError', (_case, payload) => {
    expect(() => strategy.validate(request(), payload)).toThrow(
      AuthenticationError,
    );
  });
});
