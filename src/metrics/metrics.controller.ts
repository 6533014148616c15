import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth';
import { MetricsService } from './metrics.service';

/** Prometheus scrape endpoint; keep it off the public load balancer. */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
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
