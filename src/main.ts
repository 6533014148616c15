import './load-env'; // first: .env may set OTEL_* and every other variable
import './tracing/tracing'; // next: it instruments http, pg, ioredis and pino as they load
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PinoLogger } from 'nestjs-pino';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import { useCheapAsyncResourceBind } from './common/async-resource-bind';
import { AppConfig, buildConfiguration, withDevelopmentSecret } from './config';
import {
  configureApp,
  createFastifyAdapter,
  NEST_APP_OPTIONS,
} from './configure-app';
import { EmbeddedPostgres } from './database/embedded/embedded-postgres';
import { buildLoggerParams } from './logging/logging.module';
import { StartupLogger } from './logging/service-logger';
import { startBanner } from './start-banner';
import { describeStartupFailure } from './startup-failure';

async function start(
  config: AppConfig,
  pino: PinoLogger,
  logger: StartupLogger,
): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    createFastifyAdapter(),
    // Logs go to pino from the first one, at LOG_LEVEL; nothing is held back.
    { ...NEST_APP_OPTIONS, abortOnError: false, bufferLogs: false, logger },
  );
  try {
    configureApp(app);
    // configureApp installs the container's logger; this one also holds back Nest's
    // copy of a failure until the port is bound (same pino, same lines otherwise).
    app.useLogger(logger);
    await app.listen(config.port, '0.0.0.0');
    logger.starting = false;
  } catch (error) {
    // Stops what did start (the embedded PostgreSQL, the pool) before the exit.
    await app.close().catch(() => undefined);
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  const baseUrl = `http://localhost:${port}`;
  if (config.nodeEnv === 'production') {
    // Production output stays one JSON object per line: the banner is for developers.
    pino.info(`Session service listening on ${baseUrl}`);
    return;
  }
  console.log(
    startBanner(
      config,
      baseUrl,
      app.get(EmbeddedPostgres).connectionUrl,
      app.get(EmbeddedPostgres).dataHome,
    ),
  );
}

function main(): void {
  let config: AppConfig;
  let pino: PinoLogger;
  let logger: StartupLogger;
  try {
    // Built once, before Nest starts, so a bad variable is one line, not a stack trace.
    config = buildConfiguration(withDevelopmentSecret(process.env));
    const params = buildLoggerParams(config);
    pino = new PinoLogger(params);
    logger = new StartupLogger(pino, params);
  } catch (error) {
    // No logger yet (LOG_LEVEL itself may be the bad value): a plain line on stderr.
    console.error(describeStartupFailure(error).message);
    process.exit(1);
  }
  useCheapAsyncResourceBind();
  start(config, pino, logger).catch((error: unknown) => {
    const { message, explained } = describeStartupFailure(error);
    if (explained) {
      pino.fatal(message);
    } else {
      pino.fatal({ err: error }, message);
    }
    process.exit(1);
  });
}

main();
