import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './auth';
import { ProblemDetailsFilter } from './common/filters/problem-details.filter';
import { RequestValidationError } from './common/errors';
import { AppConfig, AppConfigModule } from './config';
import { DatabaseModule } from './database/database.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { RedisModule } from './redis/redis.module';
import { SessionsModule } from './sessions/sessions.module';
import { TracingModule } from './tracing/tracing.module';

@Module({
  providers: [
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    {
      provide: APP_PIPE,
      useValue: new ValidationPipe({
        whitelist: true,
        transform: true,
        exceptionFactory: (errors) =>
          RequestValidationError.fromValidationErrors(errors),
      }),
    },
  ],
})
export class AppModule {
  /** The application over one configuration, built once by its caller (main.ts, a test). */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule,
        DatabaseModule,
        RedisModule,
        MetricsModule,
        AuthModule,
        // RATE_LIMIT_PER_MINUTE=0 leaves the limiter out, so no request runs a guard
        // whose only answer would be "skip". After AuthModule: global guards run in
        // import order, and the limiter counts the authenticated user.
        ...(config.rateLimitPerMinute > 0 ? [RateLimitModule] : []),
        HealthModule,
        SessionsModule,
        TracingModule,
      ],
    };
  }
}
