import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { AppConfig } from '../config';
import { CacheStore } from '../redis/cache-store';
import { CacheThrottlerStorage } from './cache-throttler.storage';
import { UserThrottlerGuard } from './user-throttler.guard';

export const RATE_LIMIT_WINDOW_MS = 60_000;

/**
 * `RATE_LIMIT_PER_MINUTE` requests per user per fixed minute; AppModule leaves this
 * module out when it is 0. Import it after `AuthModule`: global guards run in
 * registration order, and the limiter needs the authenticated user.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService, CacheStore],
      useFactory: (
        config: ConfigService<AppConfig, true>,
        store: CacheStore,
      ) => {
        const limit = config.getOrThrow('rateLimitPerMinute', { infer: true });
        return {
          throttlers: [{ ttl: RATE_LIMIT_WINDOW_MS, limit }],
          storage: new CacheThrottlerStorage(store),
        };
      },
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: UserThrottlerGuard }],
})
export class RateLimitModule {}
