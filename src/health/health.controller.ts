import {
  Controller,
  Get,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
} from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth';
import type { CacheStoreHealth } from '../redis/cache-store';
import { CacheHealthIndicator } from './cache.health';
import { DatabaseHealthIndicator } from './database.health';

const CHECKS = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    properties: { status: { type: 'string', enum: ['up', 'down'] } },
    additionalProperties: true,
  },
};

const READINESS_SCHEMA = {
  type: 'object',
  required: ['status', 'info', 'error', 'details', 'degraded', 'cache'],
  properties: {
    status: { type: 'string', enum: ['ok', 'error'], example: 'ok' },
    info: CHECKS,
    error: CHECKS,
    details: CHECKS,
    degraded: { type: 'array', items: { type: 'string', enum: ['cache'] } },
    cache: {
      type: 'object',
      properties: {
        backend: { type: 'string', enum: ['redis', 'memory'] },
        status: { type: 'string', enum: ['up', 'down'] },
        circuit: { type: 'string', enum: ['closed', 'open'] },
      },
    },
  },
};

export type ReadinessResult = HealthCheckResult & {
  /** Dependencies that are down without making the instance unready. */
  degraded: string[];
  cache: CacheStoreHealth;
};

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly cache: CacheHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ description: 'The process answers' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: PostgreSQL reachable and migrated; Redis reported',
  })
  @ApiOkResponse({
    description:
      'PostgreSQL answers and is migrated; `cache.status` reports Redis (down = degraded, still ready)',
    schema: READINESS_SCHEMA,
  })
  @ApiServiceUnavailableResponse({
    description: 'PostgreSQL is unreachable or migrations are pending',
    schema: READINESS_SCHEMA,
  })
  async ready(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReadinessResult> {
    const [database, cache] = await Promise.all([
      this.health
        .check([() => this.database.isReady()])
        .catch((error: unknown) => {
          if (error instanceof ServiceUnavailableException) {
            void reply.status(503);
            return error.getResponse() as HealthCheckResult;
          }
          throw error;
        }),
      this.cache.report(),
    ]);
    void reply.header('cache-control', 'no-store');
    return {
      ...database,
      degraded: cache.status === 'down' ? ['cache'] : [],
      cache,
    };
  }
}
