// Bounds on idle and slow connections, set on Node's HTTP server before it listens.
import type { Server, ServerOptions } from 'node:http';
import type { HttpTimeouts } from '../config';

/**
 * Node checks the header and request deadlines on an interval, 30 s by default, which
 * would stretch a 10 s bound to 40 s. The check walks only connections mid-request.
 * It can be given only when the server is created, hence Fastify's `http` option.
 */
export const DEADLINE_CHECKS: ServerOptions = {
  connectionsCheckingInterval: 1000,
};

/**
 * A connection that never sends a byte counts as one waiting for its headers, so the
 * headers bound closes it too; Node answers 408 and closes whichever bound runs out.
 */
export function applyConnectionLimits(
  server: Server,
  timeouts: HttpTimeouts,
): void {
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  server.headersTimeout = timeouts.headersTimeoutMs;
  server.requestTimeout = timeouts.requestTimeoutMs;
}
