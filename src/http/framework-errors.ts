// Errors Fastify raises before any Nest code runs (a path that cannot be decoded).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MalformedUrlError } from '../common/errors';
import { toProblem } from '../common/filters/to-problem';
import { sendProblem } from './problem-reply';

const MALFORMED_URL = toProblem(new MalformedUrlError())!;

/** Fastify's `frameworkErrors` option: every such error is a malformed path. */
export function answerFrameworkError(
  _error: Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  sendProblem(request, reply, MALFORMED_URL);
}
