export type CircuitState = 'closed' | 'open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How often an open circuit probes the dependency. */
  probeIntervalMs: number;
}

/**
 * Stops requests from waiting on a dependency that has stopped answering. While open,
 * callers skip the dependency entirely; a timer probes it, and the first successful
 * probe runs `onRecover` before the circuit closes again.
 */
export class CircuitBreaker {
  private failures = 0;
  private currentState: CircuitState = 'closed';
  private probeTimer?: NodeJS.Timeout;
  private probing = false;

  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly probe: () => Promise<void>,
    private readonly onStateChange: (state: CircuitState) => void = () => {},
  ) {}

  get state(): CircuitState {
    return this.currentState;
  }

  get isOpen(): boolean {
    return this.currentState === 'open';
  }

  recordSuccess(): void {
    this.failures = 0;
  }

  recordFailure(): void {
    this.failures += 1;
    if (
      this.currentState === 'closed' &&
      this.failures >= this.options.failureThreshold
    ) {
      this.open();
    }
  }

  /** Opens at once, e.g. when the connection is known to be down. */
  open(): void {
    if (this.currentState === 'open') {
      return;
    }
    this.currentState = 'open';
    this.onStateChange('open');
    this.probeTimer = setInterval(
      () => void this.tryProbe(),
      this.options.probeIntervalMs,
    );
    this.probeTimer.unref();
  }

  stop(): void {
    clearInterval(this.probeTimer);
  }

  private async tryProbe(): Promise<void> {
    if (this.probing) {
      return;
    }
    this.probing = true;
    try {
      await this.probe();
      clearInterval(this.probeTimer);
      this.failures = 0;
      this.currentState = 'closed';
      this.onStateChange('closed');
    } catch {
      // still unavailable: the next tick probes again
    } finally {
      this.probing = false;
    }
  }
}
