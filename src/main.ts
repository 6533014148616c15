import './tracing/tracing'; // first: it instruments http, pg, ioredis and pino as they load
import { config as loadDotEnv } from 'dotenv';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import {
  buildConfiguration,
  ConfigurationError,
  withDevelopmentSecret,
} from './config';
import {
  configureApp,
  createFastifyAdapter,
  NEST_APP_OPTIONS,
} from './configure-app';
import { EmbeddedPostgres } from './database/embedded/embedded-postgres';
import { startBanner } from './start-banner';

async function bootstrap(): Promise<void> {
  // Built once, before Nest starts, so a bad variable is one line, not a stack trace.
  loadDotEnv({ quiet: true });
  const config = buildConfiguration(withDevelopmentSecret(process.env));
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    createFastifyAdapter(),
    { ...NEST_APP_OPTIONS, abortOnError: false },
  );
  configureApp(app);
  await app.listen(config.port, '0.0.0.0');
  const { port: boundPort } = app.getHttpServer().address() as AddressInfo;
  console.log(
    startBanner(
      config,
      `http://localhost:${boundPort}`,
      app.get(EmbeddedPostgres).connectionUrl,
      app.get(EmbeddedPostgres).dataHome,
    ),
  );
}

bootstrap().catch((error: unknown) => {
  const message =
    error instanceof ConfigurationError
      ? error.message
      : `Start-up failed: ${error instanceof Error ? error.message : String(error)}`;
  console.error(message);
  process.exit(1);
});
