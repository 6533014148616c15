// Exports the spans still buffered when Nest shuts down, after the HTTP server closed.
import {
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
} from '@nestjs/common';

/**
 * SIGTERM must still stop promptly (orchestrators kill after a grace period): an
 * unreachable collector would make the exporter retry for OTEL_EXPORTER_OTLP_TIMEOUT.
 */
const FLUSH_BUDGET_MS = 2_000;

let stopTracing: (() => Promise<void>) | undefined;

/** Called by tracing.ts once the SDK runs; without it shutdown has nothing to flush. */
export function flushTracingOnShutdown(stop: () => Promise<void>): void {
  stopTracing = stop;
}

@Injectable()
class TracingShutdown implements OnApplicationShutdown {
  private readonly logger = new Logger('Tracing');

  async onApplicationShutdown(): Promise<void> {
    if (!stopTracing) {
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`not done within ${FLUSH_BUDGET_MS} ms`)),
        FLUSH_BUDGET_MS,
      );
    });
    try {
      await Promise.race([stopTracing(), budget]);
    } catch (error) {
      this.logger.warn(
        `Spans buffered at shutdown may be lost: ${error instanceof Error ? error.message : String(error)}`,
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

@Module({ providers: [TracingShutdown] })
export class TracingModule {}
