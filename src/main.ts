import './tracing/tracing'; // first: it instruments http, pg, ioredis and pino as they load
import { NestFactory } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import type { AppConfig } from './config';
import { buildConfiguration, ConfigurationError } from './config';
import {
  configureApp,
  createFastifyAdapter,
  NEST_APP_OPTIONS,
} from './configure-app';
import { EmbeddedPostgres } from './database/embedded/embedded-postgres';
import { startBanner } from './start-banner';

async function bootstrap(): Promise<void> {
  // Checked before Nest starts, so a bad variable is one line, not a stack trace.
  buildConfiguration(process.env);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule,
    createFastifyAdapter(),
    { ...NEST_APP_OPTIONS, abortOnError: false },
  );
  configureApp(app);
  const config = app.get<ConfigService<AppConfig, true>>(ConfigService);
  const port = config.getOrThrow('port', { infer: true });
  await app.listen(port, '0.0.0.0');
  const { port: boundPort } = app.getHttpServer().address() as AddressInfo;
  console.log(
    startBanner(
      {
        nodeEnv: config.getOrThrow('nodeEnv', { infer: true }),
        dataDir: config.getOrThrow('dataDir', { infer: true }),
        redis: config.get('redis', { infer: true }),
        jwt: config.getOrThrow('jwt', { infer: true }),
      },
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
