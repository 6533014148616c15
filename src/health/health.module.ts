import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CacheHealthIndicator } from './cache.health';
import { DatabaseHealthIndicator } from './database.health';
import { HealthController } from './health.controller';

/** Probes for orchestrators; failing checks show in the request log, not as errors. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [DatabaseHealthIndicator, CacheHealthIndicator],
})
export class HealthModule {}
