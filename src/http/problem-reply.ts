// The one writer of problem responses, for the exception filter and Fastify's own errors alike.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, type Problem } from '../common/filters/problem';
import { applyEdgeHeaders } from './edge-headers';

/**
 * The edge headers are set again here because Fastify's framework errors answer before
 * the onRequest hook runs; on every other path they are already there, unchanged.
 */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: Problem,
): void {
  applyEdgeHeaders(request, reply);
  void reply
    .status(problem.status)
    .headers(problem.headers)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problem.toBody(request.id));
}
