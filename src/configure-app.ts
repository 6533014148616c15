import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import {
  FastifyAdapter,
  NestFastifyApplication,
} from '@nestjs/platform-fastify';
import { ConfigService } from '@nestjs/config';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from './config';
import { API_PREFIX } from './http/api-prefix';
import {
  applyConnectionLimits,
  DEADLINE_CHECKS,
} from './http/connection-limits';
import { answerClientError } from './http/client-errors';
import { answerFrameworkError } from './http/framework-errors';
import {
  BODY_LIMIT_BYTES,
  installJsonBodyParser,
} from './http/json-body-parser';
import { installOnRequestHook } from './http/on-request';
import { installOnResponseHook } from './http/on-response';
import { requestIdOf } from './http/request-id';
import { tagRouteTemplates } from './http/route-template';
import { closeConnectionsOnShutdown } from './http/shutdown-connections';
import { MetricsService } from './metrics/metrics.service';

/** Nest's own body parsers stay off: `configureApp` installs a stricter JSON parser. */
export const NEST_APP_OPTIONS: NestApplicationOptions = {
  bodyParser: false,
  abortOnError: false,
  bufferLogs: true,
};

export function createFastifyAdapter(): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestIdOf,
    requestIdHeader: false,
    return503OnClosing: true,
    http: DEADLINE_CHECKS,
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    routerOptions: {
      ignoreTrailingSlash: true,
      maxParamLength: 4096,
    },
  });
}

/** The OpenAPI document served at `/docs-json` and exported for the typed client. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Session service')
      .setDescription(
        'Named per-user sessions, exactly one of them active. Every route takes a bearer JWT (the configured `ALGORITHM`: HS256 by default, or RS/PS/ES/EdDSA keys from an identity provider) whose `sub` is the user id. Writes accept an `Idempotency-Key` for safe retries. Errors are RFC 9457 problem details (`application/problem+json`).',
      )
      .setVersion('1.0.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
}

/** The API lives under `/api/v1`; probes and metrics stay at the root. */
export function useApiPrefix(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, { exclude: ['health/{*path}', 'metrics'] });
}

/**
 * Everything `main.ts` and the e2e tests must set up identically, so tests exercise
 * the application exactly as it runs.
 */
export function configureApp(
  app: NestFastifyApplication,
): NestFastifyApplication {
  const fastify = app.getHttpAdapter().getInstance();
  const config = app.get<ConfigService<AppConfig, true>>(ConfigService);
  app.useLogger(app.get(Logger));
  applyConnectionLimits(
    app.getHttpServer(),
    config.getOrThrow('httpTimeouts', { infer: true }),
  );

  installOnRequestHook(fastify);
  const corsOrigins = config.getOrThrow('corsOrigins', { infer: true });
  if (corsOrigins.length > 0) {
    app.enableCors({
      origin: corsOrigins,
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: [
        'Authorization',
        'Content-Type',
        'X-Request-Id',
        'Idempotency-Key',
      ],
      exposedHeaders: [
        'X-Request-Id',
        'Retry-After',
        'WWW-Authenticate',
        'Idempotent-Replayed',
      ],
      maxAge: 600,
    });
  }
  tagRouteTemplates(fastify);
  installOnResponseHook(fastify, app.get(MetricsService));
  installJsonBodyParser(fastify);
  closeConnectionsOnShutdown(fastify);

  useApiPrefix(app);
  // process.exit(0) once closed: re-raising the signal would make the exit status 143.
  app.enableShutdownHooks([], { useProcessExit: true });

  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
  });
  return app;
}
