// Nest's logger over pino: the framework's own bootstrap lines at debug, not info.
import { Logger } from 'nestjs-pino';

/**
 * Contexts of Nest's bootstrap chatter (modules initialised, routes mapped, started).
 * At debug, a start at the default level shows only the service's own lines, and a
 * failed one only its failure.
 */
const FRAMEWORK_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

export class ServiceLogger extends Logger {
  log(message: unknown, ...optionalParams: unknown[]): void {
    if (FRAMEWORK_CONTEXTS.has(optionalParams.at(-1) as string)) {
      super.debug(message, ...optionalParams);
      return;
    }
    super.log(message, ...optionalParams);
  }
}

/** Where Nest logs a failed start (with its stack) before rethrowing it. */
const STARTUP_FAILURE_CONTEXTS = new Set([
  'ExceptionHandler',
  'NestApplication',
]);

/**
 * The logger of `main.ts`, from `NestFactory.create` on. Until the service listens,
 * Nest's own copy of a start-up failure is dropped: `main.ts` reports that failure
 * once, as one line.
 */
export class StartupLogger extends ServiceLogger {
  starting = true;

  error(message: unknown, ...optionalParams: unknown[]): void {
    if (
      this.starting &&
      STARTUP_FAILURE_CONTEXTS.has(optionalParams.at(-1) as string)
    ) {
      return;
    }
    super.error(message, ...optionalParams);
  }
}
