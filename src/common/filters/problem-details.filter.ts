import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from './problem';
import { INTERNAL_ERROR, toProblem } from './to-problem';

/** The single place where any error becomes an `application/problem+json` response. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();

    const problem = toProblem(error);
    if (!problem) {
      this.logger.error({
        msg: `Unhandled error on ${request.method} ${request.routeOptions?.url ?? 'an unknown route'}`,
        request_id: request.id,
        err: error,
      });
    }
    const answer = problem ?? INTERNAL_ERROR;
    void reply
      .status(answer.status)
      .headers(answer.headers)
      .type(PROBLEM_CONTENT_TYPE)
      .send(answer.toBody(request.id));
  }
}
