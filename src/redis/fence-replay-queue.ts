// Invalidations Redis did not take, kept to be written once it answers again.
const MAX_PENDING_FENCES = 100_000;
const REPLAY_BATCH_SIZE = 500;

/**
 * Fences by key with their TTL, bounded so an outage cannot grow memory without limit.
 * A key fenced twice is kept once: its latest fence is what must land.
 */
export class FenceReplayQueue {
  private readonly pending = new Map<string, number>();

  constructor(
    readonly limit = MAX_PENDING_FENCES,
    private readonly batchSize = REPLAY_BATCH_SIZE,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Keeps the fences; `false` (none kept) once the queue holds `limit` keys. */
  remember(keys: string[], ttlSeconds: number): boolean {
    if (this.pending.size >= this.limit) {
      return false;
    }
    keys.forEach((key) => this.pending.set(key, ttlSeconds));
    return true;
  }

  /**
   * Writes batch after batch until none is left, including fences remembered while
   * replaying. A failed batch goes back into the queue (unless fenced again since)
   * and the error is rethrown, so the caller keeps off Redis.
   */
  async replay(
    write: (key: string, ttlSeconds: number) => Promise<unknown>,
  ): Promise<void> {
    while (this.pending.size > 0) {
      const batch: Array<[string, number]> = [];
      for (const entry of this.pending) {
        batch.push(entry);
        if (batch.length === this.batchSize) {
          break;
        }
      }
      batch.forEach(([key]) => this.pending.delete(key));
      try {
        await Promise.all(
          batch.map(([key, ttlSeconds]) => write(key, ttlSeconds)),
        );
      } catch (error) {
        for (const [key, ttlSeconds] of batch) {
          if (!this.pending.has(key)) {
            this.pending.set(key, ttlSeconds);
          }
        }
        throw error;
      }
    }
  }
}
