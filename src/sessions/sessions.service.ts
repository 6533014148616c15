import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DomainError } from '../common/errors';
import type { AppConfig } from '../config';
import { violatedUniqueConstraint } from '../database/database-errors';
import {
  IdempotencyKeyInFlightError,
  IdempotentReplay,
} from '../idempotency/idempotency.errors';
import {
  IdempotencyStore,
  IdempotentOutcome,
  IdempotentRequest,
} from '../idempotency/idempotency.store';
import { DetailResponse } from './dto/detail.response';
import { Session } from './session.entity';
import { SessionCache } from './session-cache.service';
import {
  ActiveSessionDeletionError,
  NoActiveSessionError,
  SessionConflictError,
  SessionLimitReachedError,
  SessionNotFoundError,
  SessionTitleTakenError,
} from './sessions.errors';
import { SessionsRepository } from './sessions.repository';

/**
 * The rules R1–R5. Every mutation runs under the user's lock (`inUserLock`) and then
 * invalidates the user's cache entries; the unique constraints stay the last line of
 * defence and are translated into domain errors. A mutation sent with an
 * Idempotency-Key stores its answer in the same transaction, or replays the stored one.
 * The `detail` texts are the FastAPI service's, which its clients read.
 */
@Injectable()
export class SessionsService {
  private readonly maxSessionsPerUser: number;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly cache: SessionCache,
    private readonly idempotency: IdempotencyStore,
    config: ConfigService<AppConfig, true>,
  ) {
    this.maxSessionsPerUser = config.getOrThrow('maxSessionsPerUser', {
      infer: true,
    });
  }

  list(userId: number): Promise<Session[]> {
    return this.sessions.listOldestFirst(userId);
  }

  async activeSessionId(userId: number): Promise<string> {
    const id = await this.sessions.findActiveId(userId);
    if (id === undefined) {
      throw new NoActiveSessionError(userId);
    }
    return id;
  }

  create(
    userId: number,
    title: string,
    idempotent?: IdempotentRequest,
  ): Promise<Session> {
    return this.mutate(userId, title, idempotent, async (sessions) => {
      const { total, taken } = await sessions.countAndTitleTaken(userId, title);
      if (taken) {
        throw new SessionTitleTakenError(userId, title);
      }
      if (total >= this.maxSessionsPerUser) {
        throw new SessionLimitReachedError(userId, this.maxSessionsPerUser);
      }
      await sessions.deactivateAll(userId);
      return sessions.insertActive(userId, title);
    });
  }

  activateByTitle(
    userId: number,
    title: string,
    idempotent?: IdempotentRequest,
  ): Promise<DetailResponse> {
    const work = async (sessions: SessionsRepository, session: Session) => {
      if (!session.active) {
        await sessions.deactivateAll(userId);
        await sessions.setActive(session.id, true);
      }
      return {
        detail: `'${title}' set as active session for user_id=${userId}`,
      };
    };
    return this.mutateSession(userId, title, idempotent, work);
  }

  deactivate(
    userId: number,
    idempotent?: IdempotentRequest,
  ): Promise<DetailResponse> {
    return this.mutate(userId, undefined, idempotent, async (sessions) => {
      const active = await sessions.findActive(userId);
      if (!active) {
        throw new NoActiveSessionError(userId);
      }
      await sessions.setActive(active.id, false);
      return { detail: `'${active.title}' deactivated for user_id=${userId}` };
    });
  }

  rename(
    userId: number,
    title: string,
    newTitle: string,
    idempotent?: IdempotentRequest,
  ): Promise<Session> {
    const work = async (sessions: SessionsRepository, session: Session) => {
      if (newTitle === title) {
        return session;
      }
      if (await sessions.titleTaken(userId, newTitle)) {
        throw new SessionTitleTakenError(userId, newTitle);
      }
      return sessions.rename(session.id, newTitle);
    };
    // A unique-constraint violation here is about the new title.
    return this.mutateSession(userId, title, idempotent, work, newTitle);
  }

  deleteByTitle(
    userId: number,
    title: string,
    idempotent?: IdempotentRequest,
  ): Promise<DetailResponse> {
    const work = async (sessions: SessionsRepository, session: Session) => {
      if (session.active) {
        throw new ActiveSessionDeletionError(title);
      }
      await sessions.delete(session.id);
      return { detail: 'Session deleted successfully' };
    };
    return this.mutateSession(userId, title, idempotent, work);
  }

  /** A mutation of the caller's session titled `title`, or 404 when there is none. */
  private mutateSession<T>(
    userId: number,
    title: string,
    idempotent: IdempotentRequest | undefined,
    work: (sessions: SessionsRepository, session: Session) => Promise<T>,
    conflictingTitle = title,
  ): Promise<T> {
    return this.mutate(userId, conflictingTitle, idempotent, async (sessions) =>
      work(sessions, await findByTitleOrThrow(sessions, userId, title)),
    );
  }

  /**
   * Runs `work` under the user's lock, then invalidates the user's cache entries once
   * the commit is durable and before the caller answers (R8).
   */
  private async mutate<T>(
    userId: number,
    title: string | undefined,
    idempotent: IdempotentRequest | undefined,
    work: (sessions: SessionsRepository) => Promise<T>,
  ): Promise<T> {
    try {
      const outcome = await this.sessions.inUserLock(
        userId,
        (sessions, manager): Promise<IdempotentOutcome<T>> =>
          idempotent
            ? this.idempotency.once(manager, userId, idempotent, () =>
                work(sessions),
              )
            : work(sessions).then((value) => ({ value })),
      );
      if ('error' in outcome) {
        // Stored for replays; its savepoint was rolled back, so nothing changed.
        throw outcome.error;
      }
      await this.cache.invalidate(userId);
      return outcome.value;
    } catch (error) {
      if (error instanceof DomainError || error instanceof IdempotentReplay) {
        throw error;
      }
      if (idempotent && SessionsRepository.isLockWaitTimeout(error)) {
        throw new IdempotencyKeyInFlightError();
      }
      // The commit may or may not have happened (e.g. the connection dropped): forget
      // what the cache holds either way.
      await this.cache.invalidate(userId);
      throw translateConstraintViolation(error, userId, title);
    }
  }
}

async function findByTitleOrThrow(
  sessions: SessionsRepository,
  userId: number,
  title: string,
): Promise<Session> {
  const session = await sessions.findByTitle(userId, title);
  if (!session) {
    throw new SessionNotFoundError(userId, title);
  }
  return session;
}

function translateConstraintViolation(
  error: unknown,
  userId: number,
  title: string | undefined,
): unknown {
  const constraint = violatedUniqueConstraint(error);
  if (constraint === 'UQ_sessions_user_id_title' && title !== undefined) {
    return new SessionTitleTakenError(userId, title);
  }
  if (constraint) {
    return new SessionConflictError(userId);
  }
  return error;
}
