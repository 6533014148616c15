import type { FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { routeTemplateOf } from '../http/route-template';

/**
 * One JSON line per request, written when the response is done: method, route template
 * (never a raw title), status, duration and the request id Fastify assigned.
 */
export function logResponse(
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const logger = PinoLogger.root;
  const level = reply.statusCode >= 500 ? 'warn' : 'info';
  if (logger?.isLevelEnabled(level)) {
    logger[level](
      {
        request_id: request.id,
        method: request.method,
        route: routeTemplateOf(request.raw),
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
  }
}
