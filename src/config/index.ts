export * from './configuration';
export { ConfigurationError } from './environment';
export { AppConfigModule } from './config.module';
