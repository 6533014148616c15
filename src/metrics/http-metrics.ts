import type { FastifyReply, FastifyRequest } from 'fastify';
import { routeTemplateOf } from '../http/route-template';
import type { MetricsService } from './metrics.service';

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
]);

/** Counts and times one response, labelled by route template (see route-template.ts). */
export function observeResponse(
  metrics: MetricsService,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  metrics.observeRequest(
    KNOWN_METHODS.has(request.method) ? request.method : 'OTHER',
    routeTemplateOf(request.raw),
    reply.statusCode,
    reply.elapsedTime / 1000,
  );
}
