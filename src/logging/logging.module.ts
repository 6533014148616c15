import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  Logger,
  LoggerModule,
  Params,
  PARAMS_PROVIDER_TOKEN,
  PinoLogger,
} from 'nestjs-pino';
import type { AppConfig } from '../config';
import { prettyDestination, resolveLogFormat } from './log-format';
import { ServiceLogger } from './service-logger';

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

export function buildLoggerParams(
  config: Pick<AppConfig, 'logLevel' | 'logFormat' | 'nodeEnv'>,
): Params {
  const options = {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return {
    // No per-request middleware. Binding the request id to every line logged during a
    // request takes an AsyncLocalStorage, which makes Node run a hook for every promise
    // the process creates (with middie and a child logger per request: 15% of the hot
    // path). Request lines come from logResponse(); the one log written while a request
    // runs (ProblemDetailsFilter's) names its request id itself.
    forRoutes: [],
    pinoHttp:
      resolveLogFormat(config) === 'pretty'
        ? [options, prettyDestination()]
        : options,
  };
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) =>
        buildLoggerParams({
          logLevel: config.getOrThrow('logLevel', { infer: true }),
          logFormat: config.get('logFormat', { infer: true }),
          nodeEnv: config.getOrThrow('nodeEnv', { infer: true }),
        }),
      // Replaces nestjs-pino's own `Logger` (a later provider of the same token wins),
      // so `app.useLogger(app.get(Logger))` installs the ServiceLogger.
      providers: [
        {
          provide: Logger,
          inject: [PinoLogger, PARAMS_PROVIDER_TOKEN],
          useFactory: (logger: PinoLogger, params: Params) =>
            new ServiceLogger(logger, params),
        },
      ],
    }),
  ],
})
export class LoggingModule {}
