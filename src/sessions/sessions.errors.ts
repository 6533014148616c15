import { DomainError } from '../common/errors';

export class SessionNotFoundError extends DomainError {
  readonly code = 'session-not-found';
  readonly kind = 'not-found';

  constructor(userId: number, title: string) {
    super(`Session with title '${title}' not found for user_id=${userId}`);
  }
}

export class NoActiveSessionError extends DomainError {
  readonly code = 'active-session-not-found';
  readonly kind = 'not-found';

  constructor(userId: number) {
    super(`No active session found for user_id=${userId}`);
  }
}

export class SessionTitleTakenError extends DomainError {
  readonly code = 'session-title-taken';
  readonly kind = 'conflict';

  constructor(userId: number, title: string) {
    super(`Session with title '${title}' already exists for user_id=${userId}`);
  }
}

export class SessionLimitReachedError extends DomainError {
  readonly code = 'session-limit-reached';
  readonly kind = 'conflict';

  constructor(userId: number, limit: number) {
    super(
      `user_id=${userId} already holds the maximum of ${limit} sessions; delete one first`,
    );
  }
}

export class ActiveSessionDeletionError extends DomainError {
  readonly code = 'active-session-deletion';
  readonly kind = 'invalid';

  constructor(title: string) {
    super(
      `Cannot delete the active session '${title}'; activate another session or deactivate it first`,
    );
  }
}

/** A constraint the per-user lock should make impossible still fired: safe to retry. */
export class SessionConflictError extends DomainError {
  readonly code = 'session-conflict';
  readonly kind = 'conflict';

  constructor(userId: number) {
    super(
      `A concurrent change to the sessions of user_id=${userId} won; retry the request`,
    );
  }
}
