// Starts tracing before Nest and the instrumented libraries load: main.ts imports it
// right after load-env, so OTEL_* from .env count.
import { ConfigurationError } from '../config/environment';
import { otlpProtocol, tracingEnabled } from './tracing-config';
import { flushTracingOnShutdown } from './tracing.module';

if (tracingEnabled(process.env)) {
  try {
    const protocol = otlpProtocol(process.env);
    // Required here, not imported: with tracing off no OpenTelemetry code loads at all.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sdk = require('./tracing-sdk') as typeof import('./tracing-sdk');
    flushTracingOnShutdown(sdk.startTracingSdk(protocol));
  } catch (error) {
    console.error(
      error instanceof ConfigurationError
        ? error.message
        : `Start-up failed: tracing: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  }
}
