import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import {
  FastifyAdapter,
  NestFastifyApplication,
} from '@nestjs/platform-fastify';
import { ConfigService } from '@nestjs/config';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { PROBLEM_CONTENT_TYPE } from './common/filters/problem';
import {
  MalformedJsonError,
  MalformedUrlError,
  RequestValidationError,
  UnsupportedContentEncodingError,
} from './common/errors';
import { SECURITY_HEADERS } from './common/security-headers';
import type { AppConfig } from './config';
import { Logger } from 'nestjs-pino';
import { tagRouteTemplates } from './common/route-template';
import { toProblem } from './common/filters/to-problem';
import { logRequests } from './logging/request-log';
import { instrumentHttp } from './metrics/http-metrics';
import { MetricsService } from './metrics/metrics.service';

export const API_PREFIX = 'api/v1';
export const BODY_LIMIT_BYTES = 16 * 1024;

const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestIdOf(request: { headers: Record<string, unknown> }): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && WELL_FORMED_REQUEST_ID.test(incoming)
    ? incoming
    : randomUUID();
}

/** Errors Fastify raises before any Nest code runs (a path that cannot be decoded). */
function answerFrameworkError(
  _error: Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const problem = toProblem(new MalformedUrlError())!;
  void reply
    .headers(SECURITY_HEADERS)
    .status(problem.status)
    .header('x-request-id', request.id)
    .header('cache-control', 'no-store')
    .type(PROBLEM_CONTENT_TYPE)
    .send(problem.toBody(request.id));
}

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
    frameworkErrors: answerFrameworkError,
    routerOptions: {
      ignoreTrailingSlash: true,
      maxParamLength: 4096,
    },
  });
}

const MAX_JSON_DEPTH = 32;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Validation walks bodies recursively; a hostile nesting depth must not reach it. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (typeof node !== 'object' || node === null) {
      continue;
    }
    if (depth > limit) {
      return true;
    }
    for (const child of Object.values(node)) {
      pending.push([child, depth + 1]);
    }
  }
  return false;
}

function parseJsonObject(_request: FastifyRequest, body: Buffer): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(UTF8.decode(body));
  } catch {
    throw new MalformedJsonError();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RequestValidationError([
      { field: 'body', message: 'the request body must be a JSON object' },
    ]);
  }
  if (nestedDeeperThan(parsed, MAX_JSON_DEPTH)) {
    throw new RequestValidationError([
      {
        field: 'body',
        message: `the request body must not nest deeper than ${MAX_JSON_DEPTH} levels`,
      },
    ]);
  }
  return parsed;
}

/** The OpenAPI document served at `/docs-json` and exported for the typed client. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Session service')
      .setDescription(
        'Named per-user sessions, exactly one of them active. Every route takes a bearer JWT (HS256) whose `sub` is the user id. Errors are RFC 9457 problem details (`application/problem+json`).',
      )
      .setVersion('1.0.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
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

  // The first hook: every answer from here on, early rejections included, carries these.
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(SECURITY_HEADERS).header('x-request-id', request.id);
    if (
      request.url.startsWith(`/${API_PREFIX}/`) ||
      request.url === `/${API_PREFIX}`
    ) {
      void reply.header('cache-control', 'no-store');
    }
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      done(new UnsupportedContentEncodingError());
      return;
    }
    done();
  });
  const corsOrigins = config.getOrThrow('corsOrigins', { infer: true });
  if (corsOrigins.length > 0) {
    app.enableCors({
      origin: corsOrigins,
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id', 'Retry-After', 'WWW-Authenticate'],
      maxAge: 600,
    });
  }
  tagRouteTemplates(fastify);
  instrumentHttp(fastify, app.get(MetricsService));
  logRequests(fastify);

  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES },
    (request, body, done) => {
      try {
        done(null, parseJsonObject(request, body as Buffer));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );

  // Requests in flight at shutdown finish, then their keep-alive connections close at
  // once instead of holding the exit for the keep-alive timeout.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) {
      void reply.header('connection', 'close');
    }
    done(null, payload);
  });

  app.setGlobalPrefix(API_PREFIX, { exclude: ['health/{*path}', 'metrics'] });
  // process.exit(0) once closed: re-raising the signal would make the exit status 143.
  app.enableShutdownHooks([], { useProcessExit: true });

  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
  });
  return app;
}
