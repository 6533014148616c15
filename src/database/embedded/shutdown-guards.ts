// Takes the server down with the service on a signal or exit before Nest's hooks are in place.
const GUARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Until Nest's shutdown hooks are in place (and on any exit that bypasses them), a
 * signal or exit must still take the server down with the service. A guarded signal
 * with no other listener is re-raised, so the service still dies of it.
 */
export class ShutdownGuards {
  constructor(private readonly stopNow: () => void) {}

  install(): void {
    process.on('exit', this.stopNow);
    GUARDED_SIGNALS.forEach((signal) => process.on(signal, this.onSignal));
  }

  /** `includingExit: false` keeps the exit guard, for exits that bypass Nest's hooks. */
  remove(includingExit: boolean): void {
    GUARDED_SIGNALS.forEach((signal) =>
      process.removeListener(signal, this.onSignal),
    );
    if (includingExit) {
      process.removeListener('exit', this.stopNow);
    }
  }

  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.stopNow();
    this.remove(true);
    if (process.listenerCount(signal) === 0) {
      process.kill(process.pid, signal);
    }
  };
}
