import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { createSecretKey } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AuthenticationError } from '../common/authentication.error';
import type { AppConfig } from '../config';
import type { AuthenticatedUser } from './authenticated-user';
import { parseUserId } from './user-id';
import { VerifiedTokenCache } from './verified-token-cache';

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly verifiedTokens: VerifiedTokenCache,
  ) {
    const jwt = config.getOrThrow('jwt', { infer: true });
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject, not the string: jsonwebtoken re-parses a string secret on every
      // request (a failed PEM parse, thrown and caught), most of a hot request's CPU.
      secretOrKey: createSecretKey(
        Buffer.from(jwt.secret, 'utf8'),
      ) as unknown as string,
      algorithms: [jwt.algorithm],
      ignoreExpiration: false,
      audience: jwt.audience,
      issuer: jwt.issuer,
      jsonWebTokenOptions: { clockTolerance: jwt.clockToleranceSeconds },
      passReqToCallback: true,
    });
  }

  /** Runs after the signature, `exp` and `nbf` checks; enforces what jsonwebtoken leaves optional. */
  validate(request: FastifyRequest, payload: unknown): AuthenticatedUser {
    if (
      typeof payload !== 'object' ||
      payload === null ||
      Array.isArray(payload)
    ) {
      throw new AuthenticationError(
        'The token payload is not a JSON object',
        true,
      );
    }
    const { exp, sub } = payload as Record<string, unknown>;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) {
      throw new AuthenticationError('The token has no valid exp claim', true);
    }
    const id = parseUserId(sub);
    if (id === undefined) {
      throw new AuthenticationError(
        'The token sub claim is not a valid user id',
        true,
      );
    }
    const user = { id };
    this.verifiedTokens.remember(request.headers.authorization!, user, exp);
    return user;
  }
}
