// The error of an embedded-database start-up problem the developer can fix.
/**
 * A start-up problem of the embedded database that the developer can fix. Its stack is
 * the message alone: a trace would only bury the instructions.
 */
export class EmbeddedDatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedDatabaseError';
    this.stack = `${this.name}: ${message}`;
  }
}
