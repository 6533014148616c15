export * from './configuration';
export * from './jwt-algorithms';
export { ConfigurationError } from './environment';
export { AppConfigModule } from './config.module';
export { withDevelopmentSecret } from './development-secret';
