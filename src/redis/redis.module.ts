import {
  Global,
  Inject,
  Injectable,
  Module,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config';
import { CacheStore } from './cache-store';
import { MemoryCacheStore } from './memory-cache-store';
import { RedisCacheStore } from './redis-cache-store';

@Injectable()
class CacheStoreShutdown implements OnApplicationShutdown {
  constructor(@Inject(CacheStore) private readonly store: CacheStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/**
 * Provides the `CacheStore`: Redis when `REDIS_URL`/`REDIS_HOST` is set, otherwise an
 * in-process store with the same semantics.
 */
@Global()
@Module({
  providers: [
    {
      provide: CacheStore,
      inject: [ConfigService],
      useFactory: async (config: ConfigService<AppConfig, true>) => {
        const redis = config.get('redis', { infer: true });
        if (!redis) {
          return new MemoryCacheStore();
        }
        const store = new RedisCacheStore(
          redis,
          config.getOrThrow('redisKeyPrefix', { infer: true }),
        );
        await store.connect();
        return store;
      },
    },
    CacheStoreShutdown,
  ],
  exports: [CacheStore],
})
export class RedisModule {}
