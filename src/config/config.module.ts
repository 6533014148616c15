import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { AppConfig } from './configuration';

/**
 * `ConfigService` over one configuration object that the entry point built (and
 * validated) before Nest started: nothing is read from `.env` or `process.env` here,
 * so a test or a script can hand over exactly the configuration it means.
 */
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          cache: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => config],
        }),
      ],
    };
  }
}
