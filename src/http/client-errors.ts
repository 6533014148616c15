/** Errors on a connection before any request exists (408, 431, 400), as problem details. */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { Problem, PROBLEM_CONTENT_TYPE } from '../common/filters/problem';
import { FIXED_DETAILS } from '../common/filters/to-problem';
import { SECURITY_HEADERS } from './security-headers';

const STATUS_BY_CODE: Record<string, number> = {
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_HEADER_OVERFLOW: 431,
};

const EDGE_HEADER_LINES = Object.entries(SECURITY_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

/** Fastify's `clientErrorHandler`: answers like every other error, then closes. */
export function answerClientError(
  error: NodeJS.ErrnoException,
  socket: Socket,
): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) {
    return;
  }
  const status = STATUS_BY_CODE[error.code ?? ''] ?? 400;
  const body = JSON.stringify(
    new Problem(status, FIXED_DETAILS[status]).toBody(),
  );
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        EDGE_HEADER_LINES +
        `content-type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        'connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(error);
}
