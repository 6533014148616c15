/**
 * A request without valid credentials. `tokenPresent` decides the challenge:
 * RFC 6750 sends `error="invalid_token"` only when a token was actually presented.
 */
export class AuthenticationError extends Error {
  constructor(
    message: string,
    readonly tokenPresent: boolean,
  ) {
    super(message);
    this.name = 'AuthenticationError';
  }
}
