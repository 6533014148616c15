// The first onRequest hook: edge headers on every answer, compressed bodies refused up front.
import type { FastifyInstance } from 'fastify';
import { UnsupportedContentEncodingError } from '../common/errors';
import { applyEdgeHeaders } from './edge-headers';

/**
 * One hook for both jobs, as they run at the same phase. Registered before any other
 * hook, so every answer from here on, early rejections included, carries the headers.
 */
export function installOnRequestHook(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    applyEdgeHeaders(request, reply);
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      done(new UnsupportedContentEncodingError());
      return;
    }
    done();
  });
}
