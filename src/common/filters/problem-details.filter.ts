import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../../http/problem-reply';
import { INTERNAL_ERROR, toProblem } from './to-problem';

/** Where any error a request handler raises becomes an `application/problem+json` response. */
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
    sendProblem(request, reply, problem ?? INTERNAL_ERROR);
  }
}
