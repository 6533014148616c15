import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { IncomingMessage } from 'node:http';
import { LoggerModule, Params } from 'nestjs-pino';
import type { AppConfig } from '../config';

/**
 * Credentials, should any log call ever carry them. The request line itself holds no
 * headers at all; few, fixed paths keep redaction cheap.
 */
export const REDACTED_PATHS = [
  'authorization',
  'token',
  'secret',
  'password',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** pino-pretty is a dev dependency: only an interactive development shell gets it. */
function prettyTransport(nodeEnv: AppConfig['nodeEnv']) {
  if (nodeEnv !== 'development' || !process.stdout.isTTY) {
    return undefined;
  }
  try {
    require.resolve('pino-pretty');
  } catch {
    return undefined;
  }
  return {
    target: 'pino-pretty',
    options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' },
  };
}

export function buildLoggerParams(
  config: Pick<AppConfig, 'logLevel' | 'nodeEnv'>,
): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      transport: prettyTransport(config.nodeEnv),
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // Fastify already chose the id (X-Request-Id or a UUID); middie copies it onto the raw request.
      genReqId: (req) => (req as IncomingMessage & { id: string }).id,
      customAttributeKeys: { reqId: 'request_id', responseTime: 'duration_ms' },
      quietReqLogger: true,
      quietResLogger: true,
      // The request line comes from logRequests() (one Fastify hook, route templates);
      // pino-http only binds the request id to everything logged while a request runs.
      autoLogging: false,
      serializers: { req: () => undefined, res: () => undefined },
    },
  };
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) =>
        buildLoggerParams({
          logLevel: config.getOrThrow('logLevel', { infer: true }),
          nodeEnv: config.getOrThrow('nodeEnv', { infer: true }),
        }),
    }),
  ],
})
export class LoggingModule {}
