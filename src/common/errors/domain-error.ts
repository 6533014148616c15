/** What kind of rule a domain error breaks; the problem-details filter maps it to HTTP. */
export type DomainErrorKind =
  'invalid' | 'not-found' | 'conflict' | 'unprocessable';

/**
 * Base of every error a service throws on purpose. `code` is stable: it becomes the
 * problem `type` that clients branch on, so renaming one is a breaking change.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly kind: DomainErrorKind;
  /** Sent as `Retry-After` when set: the client may try again this much later. */
  readonly retryAfterSeconds?: number;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
