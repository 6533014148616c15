import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { createPublicKey, createSecretKey } from 'node:crypto';
import {
  ExtractJwt,
  Strategy,
  type StrategyOptionsWithRequest,
} from 'passport-jwt';
import { AuthenticationError } from '../common/errors';
import { isHmacAlgorithm, type AppConfig } from '../config';
import type { AuthenticatedUser } from './authenticated-user';
import { JwksKeySet } from './jwks-key-set';
import { parseUserId } from './user-id';
import { VerifiedTokenCache } from './verified-token-cache';

type PassportRequest = Parameters<Strategy['authenticate']>[0];

const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

/** An asymmetric ALGORITHM's tokens are verified by jose, with these keys. */
interface AsymmetricVerifier {
  key: JWTVerifyGetKey;
  options: JWTVerifyOptions;
  jwks?: JwksKeySet;
}

/**
 * The one place tokens are verified. HS* tokens take passport-jwt's path (jsonwebtoken, a
 * secret KeyObject) exactly as before; RS*, PS*, ES* and EdDSA tokens, which jsonwebtoken
 * cannot all verify, take jose's, keyed by JWT_PUBLIC_KEY or JWT_JWKS_URL. Both pin the one
 * ALGORITHM, require and check `exp`, check `nbf`, `aud` and `iss` with the same clock
 * tolerance, and end in `validate`.
 */
@Injectable()
export class JwtStrategy
  extends PassportStrategy(Strategy)
  implements OnApplicationBootstrap
{
  private readonly asymmetric?: AsymmetricVerifier;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly verifiedTokens: VerifiedTokenCache,
  ) {
    const jwt = config.getOrThrow('jwt', { infer: true });
    const rules = {
      algorithms: [jwt.algorithm],
      audience: jwt.audience,
      issuer: jwt.issuer,
    };
    const hmac = isHmacAlgorithm(jwt.algorithm);
    super({
      jwtFromRequest: bearerToken,
      ...(hmac
        ? {
            // A KeyObject, not the string: jsonwebtoken re-parses a string secret on every
            // request (a failed PEM parse, thrown and caught), most of a hot request's CPU.
            secretOrKey: createSecretKey(
              Buffer.from(jwt.secret!, 'utf8'),
            ) as unknown as string,
          }
        : {
            // Never asked: `authenticate` hands asymmetric tokens to jose.
            secretOrKeyProvider: (_request, _token, done) =>
              done(new Error('asymmetric tokens are verified by jose')),
          }),
      ...rules,
      algorithms: rules.algorithms as StrategyOptionsWithRequest['algorithms'],
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: jwt.clockToleranceSeconds },
      passReqToCallback: true,
    });
    if (!hmac) {
      const jwks =
        jwt.jwks && new JwksKeySet(jwt.jwks.url, jwt.jwks.cacheSeconds);
      // The configuration holds exactly one of the two key sources.
      const publicKey = jwks ? undefined : createPublicKey(jwt.publicKey!);
      this.asymmetric = {
        jwks,
        key: jwks?.resolve ?? (() => publicKey!),
        options: {
          ...rules,
          clockTolerance: jwt.clockToleranceSeconds,
          requiredClaims: ['exp'],
        },
      };
    }
  }

  /** Fetches the JWKS once at start, so the first request does not wait for it. */
  onApplicationBootstrap(): void {
    void this.asymmetric?.jwks?.fetch();
  }

  authenticate(request: PassportRequest, options?: unknown): void {
    if (this.asymmetric === undefined) {
      super.authenticate(request, options);
      return;
    }
    const token = bearerToken(request);
    if (!token) {
      this.fail(new Error('No auth token'), 401);
      return;
    }
    void this.verifyAsymmetric(
      request as unknown as FastifyRequest,
      token,
      this.asymmetric,
    );
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

  /** passport's contract, as passport-jwt keeps it: a bad token fails, a bad principal errors. */
  private async verifyAsymmetric(
    request: FastifyRequest,
    token: string,
    verifier: AsymmetricVerifier,
  ): Promise<void> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, verifier.key, verifier.options));
    } catch (failure) {
      this.fail(failure, 401);
      return;
    }
    let user: AuthenticatedUser;
    try {
      user = this.validate(request, payload);
    } catch (error) {
      this.error(error as Error);
      return;
    }
    this.success(user);
  }
}
