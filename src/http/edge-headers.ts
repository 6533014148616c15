// The headers every answer carries: security headers, X-Request-Id, and no-store on the API.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isApiUrl } from './api-prefix';
import { SECURITY_HEADERS } from './security-headers';

export function applyEdgeHeaders(
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  void reply.headers(SECURITY_HEADERS).header('x-request-id', request.id);
  if (isApiUrl(request.url)) {
    void reply.header('cache-control', 'no-store');
  }
}
