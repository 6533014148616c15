// At shutdown, keep-alive connections close after their last answer instead of idling on.
import type { FastifyInstance } from 'fastify';

/**
 * Requests in flight at shutdown finish, then their keep-alive connections close at
 * once instead of holding the exit for the keep-alive timeout.
 */
export function closeConnectionsOnShutdown(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) {
      void reply.header('connection', 'close');
    }
    done(null, payload);
  });
}
