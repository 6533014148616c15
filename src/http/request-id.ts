// The request id: the caller's X-Request-Id when it is well formed, else a fresh UUID.
import { randomUUID } from 'node:crypto';

const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify's `genReqId`: an id that is safe to echo in headers and log lines. */
export function requestIdOf(request: {
  headers: Record<string, unknown>;
}): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && WELL_FORMED_REQUEST_ID.test(incoming)
    ? incoming
    : randomUUID();
}
