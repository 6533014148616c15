import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { buildConfiguration } from './configuration';

/**
 * Configuration is built when the container resolves it (not when this file is
 * imported), so a bad value rejects `NestFactory.create` with one clear message and
 * tests can set `process.env` before they compile the application.
 */
@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      ignoreEnvVars: true,
      load: [() => buildConfiguration(process.env)],
    }),
  ],
})
export class AppConfigModule {}
