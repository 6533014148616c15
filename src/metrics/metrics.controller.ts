import { Controller, Get, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth';
import { MetricsService } from './metrics.service';

/** Prometheus scrape endpoint; keep it off the public load balancer. */
@ApiTags('health')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description:
      'Request counts and latency by route template, cache lookups, circuit breaker, DB pool, process',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  async scrape(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const body = await this.metrics.render();
    void reply
      .type(this.metrics.contentType())
      .header('cache-control', 'no-store');
    return body;
  }
}
