import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { AuthenticationError } from '../common/errors';
import type { AuthenticatedUser } from './authenticated-user';
import { IS_PUBLIC } from './public.decorator';
import { VerifiedTokenCache } from './verified-token-cache';

const BEARER_TOKEN = /^bearer\s+\S/i;

/** Words the failures of both verifiers: jsonwebtoken's (HS*) and jose's (asymmetric). */
function describeFailure(info: unknown): string {
  const { name, code, claim, reason } = (info ?? {}) as Record<string, unknown>;
  if (name === 'TokenExpiredError' || code === 'ERR_JWT_EXPIRED') {
    return 'The token has expired';
  }
  if (
    name === 'NotBeforeError' ||
    (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' &&
      claim === 'nbf' &&
      reason === 'check_failed')
  ) {
    return 'The token is not valid yet';
  }
  return 'The token is invalid';
}

function tokenPresented(context: ExecutionContext): boolean {
  const header = context.switchToHttp().getRequest<FastifyRequest>()
    .headers.authorization;
  return typeof header === 'string' && BEARER_TOKEN.test(header);
}

@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifiedTokens: VerifiedTokenCache,
  ) {
    super();
  }

  /**
   * Synchronous for public routes and remembered tokens: Nest awaits only a guard that
   * returns a promise, and this is every request's path.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(
      IS_PUBLIC,
      [context.getHandler(), context.getClass()],
    );
    if (isPublic) {
      return true;
    }
    const request = context
      .switchToHttp()
      .getRequest<FastifyRequest & { user?: AuthenticatedUser }>();
    const user = this.verifiedTokens.get(request.headers.authorization);
    if (user) {
      request.user = user;
      return true;
    }
    return this.verify(context);
  }

  private async verify(context: ExecutionContext): Promise<boolean> {
    try {
      return (await super.canActivate(context)) as boolean;
    } catch (error) {
      if (error instanceof AuthenticationError) {
        throw error;
      }
      // jsonwebtoken throws (rather than reports) on some hostile payloads, e.g. `null`.
      throw new AuthenticationError(
        'The token is invalid',
        tokenPresented(context),
      );
    }
  }

  handleRequest<TUser = AuthenticatedUser>(
    error: unknown,
    user: TUser | false,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    if (error instanceof AuthenticationError) {
      throw error;
    }
    if (error || !user) {
      const tokenPresent = tokenPresented(context);
      throw new AuthenticationError(
        tokenPresent ? describeFailure(info) : 'A bearer token is required',
        tokenPresent,
      );
    }
    return user;
  }
}
