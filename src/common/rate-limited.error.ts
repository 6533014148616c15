/** A user over their per-minute request budget: answered with 429 and `Retry-After`. */
export class RateLimitedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many requests; slow down and retry later');
    this.name = 'RateLimitedError';
  }
}
