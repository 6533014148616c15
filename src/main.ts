import { NestFactory } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import type { AppConfig } from './config';
import { buildConfiguration, ConfigurationError } from './config';
import {
  configureApp,
  createFastifyAdapter,
  NEST_APP_OPTIONS,
} from './configure-app';

async function bootstrap(): Promise<void> {
  // Checked before Nest starts, so a bad variable is one line, not a stack trace.
  buildConfiguration(process.env);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule,
    createFastifyAdapter(),
    NEST_APP_OPTIONS,
  );
  configureApp(app);
  const config = app.get<ConfigService<AppConfig, true>>(ConfigService);
  const port = config.getOrThrow('port', { infer: true });
  await app.listen(port, '0.0.0.0');
  const url = `http://localhost:${port}`;
  console.log(`Session service listening on ${url} (API docs: ${url}/docs)`);
}

bootstrap().catch((error: unknown) => {
  const message =
    error instanceof ConfigurationError
      ? error.message
      : `Start-up failed: ${error instanceof Error ? error.message : String(error)}`;
  console.error(message);
  process.exit(1);
});
