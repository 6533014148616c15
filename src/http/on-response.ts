// The onResponse hook: every finished answer is counted in the metrics and logged.
import type { FastifyInstance } from 'fastify';
import { logResponse } from '../logging/request-log';
import { observeResponse } from '../metrics/http-metrics';
import type { MetricsService } from '../metrics/metrics.service';

/** One hook for both jobs, as they run at the same phase (as on-request.ts does). */
export function installOnResponseHook(
  fastify: FastifyInstance,
  metrics: MetricsService,
): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    observeResponse(metrics, request, reply);
    logResponse(request, reply);
    done();
  });
}
