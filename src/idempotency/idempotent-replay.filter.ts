import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from '../common/filters/to-problem';
import { sendProblem } from '../http/problem-reply';
import { IdempotentReplay, ReplayedDomainError } from './idempotency.errors';

/**
 * Sends the stored answer of an idempotent write in place of this request's, marked
 * `Idempotent-Replayed: true`: a stored success as it was, a stored domain error as the
 * problem it was. A filter only runs when the service throws one of the two, so the
 * writes that carry no key pay nothing for it.
 */
@Catch(IdempotentReplay, ReplayedDomainError)
export class IdempotentReplayFilter implements ExceptionFilter {
  catch(replay: IdempotentReplay | ReplayedDomainError, host: ArgumentsHost) {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    void reply.header('idempotent-replayed', 'true');
    if (replay instanceof ReplayedDomainError) {
      sendProblem(request, reply, toProblem(replay)!);
      return;
    }
    void reply
      .status(replay.status)
      .type('application/json; charset=utf-8')
      .send(replay.body);
  }
}
