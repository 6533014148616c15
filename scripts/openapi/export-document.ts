import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../../src/app.module';
import { buildConfiguration } from '../../src/config';
import {
  buildOpenApiDocument,
  createFastifyAdapter,
  NEST_APP_OPTIONS,
  useApiPrefix,
} from '../../src/configure-app';

/**
 * Prints the OpenAPI document exactly as `/docs-json` serves it. Preview mode builds
 * the module graph without instantiating providers, so no database or Redis is needed.
 */
async function exportDocument(): Promise<void> {
  process.env.NODE_ENV = 'test';
  process.env.SECRET_KEY ??= 'openapi-export-only-0123456789abcdef';
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(buildConfiguration(process.env)),
    createFastifyAdapter(),
    { ...NEST_APP_OPTIONS, preview: true, logger: ['error'] },
  );
  // Only the prefix: the rest of configureApp needs providers, which preview leaves out.
  useApiPrefix(app);
  process.stdout.write(
    `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`,
  );
  await app.close();
}

exportDocument().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
