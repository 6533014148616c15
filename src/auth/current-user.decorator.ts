import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedUser } from './authenticated-user';

/** The caller, as `JwtStrategy.validate` returned it. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser =>
    context
      .switchToHttp()
      .getRequest<FastifyRequest & { user: AuthenticatedUser }>().user,
);
