import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { Session } from './session.entity';
import { SessionCache } from './session-cache.service';
import { SessionsController } from './sessions.controller';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

/** The card: controller, rules, statements and the per-user Redis cache in front. */
@Module({
  imports: [TypeOrmModule.forFeature([Session]), IdempotencyModule],
  controllers: [SessionsController],
  providers: [SessionsService, SessionsRepository, SessionCache],
})
export class SessionsModule {}
