import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { DomainError } from '../common/domain-error';
import type { AppConfig } from '../config';
import { violatedUniqueConstraint } from '../database/database-errors';
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

/** First key of `pg_advisory_xact_lock(int, int)`: the per-user session lock space. */
const USER_SESSIONS_LOCK_SPACE = 0x5e55_1011;

const OLDEST_FIRST = { created_at: 'ASC', id: 'ASC' } as const;

/**
 * The statements of the two hottest paths, as plain SQL: TypeORM's query builders and
 * `save()` cost more CPU per request than PostgreSQL spent answering them
 * (docs/benchmarks.md). Everything else goes through the repository.
 */
const SQL = {
  activeSessionId:
    'SELECT "id" FROM "sessions" WHERE "user_id" = $1 AND "active" LIMIT 1',
  countAndTitleTaken:
    'SELECT count(*)::int AS "total", coalesce(bool_or("title" = $2), false) AS "taken" FROM "sessions" WHERE "user_id" = $1',
  deactivateAll:
    'UPDATE "sessions" SET "active" = false, "updated_at" = now() WHERE "user_id" = $1 AND "active"',
  insertActive:
    'INSERT INTO "sessions" ("user_id", "title", "active") VALUES ($1, $2, true) RETURNING "id", "user_id", "title", "active", "created_at", "updated_at"',
};

/**
 * Every mutation runs in one transaction that first takes a per-user advisory lock, so
 * one user's writes are serialised across all instances while different users never
 * wait on each other. The unique constraints stay the last line of defence.
 */
@Injectable()
export class SessionsService {
  private readonly maxSessionsPerUser: number;

  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cache: SessionCache,
    config: ConfigService<AppConfig, true>,
  ) {
    this.maxSessionsPerUser = config.getOrThrow('maxSessionsPerUser', {
      infer: true,
    });
  }

  list(userId: number): Promise<Session[]> {
    return this.sessions.find({
      where: { user_id: userId },
      order: OLDEST_FIRST,
    });
  }

  async activeSessionId(userId: number): Promise<string> {
    const [active] = await this.sessions.query<{ id: string }[]>(
      SQL.activeSessionId,
      [userId],
    );
    if (!active) {
      throw new NoActiveSessionError(userId);
    }
    return active.id;
  }

  create(userId: number, title: string): Promise<Session> {
    return this.mutate(userId, title, async (sessions) => {
      const [{ total, taken }] = await sessions.query<
        { total: number; taken: boolean }[]
      >(SQL.countAndTitleTaken, [userId, title]);
      if (taken) {
        throw new SessionTitleTakenError(userId, title);
      }
      if (total >= this.maxSessionsPerUser) {
        throw new SessionLimitReachedError(userId, this.maxSessionsPerUser);
      }
      await sessions.query(SQL.deactivateAll, [userId]);
      const [created] = await sessions.query<Session[]>(SQL.insertActive, [
        userId,
        title,
      ]);
      return sessions.create(created);
    });
  }

  activateByTitle(userId: number, title: string): Promise<Session> {
    return this.mutate(userId, title, async (sessions) => {
      const session = await this.findByTitleOrThrow(sessions, userId, title);
      if (!session.active) {
        await sessions.update(
          { user_id: userId, active: true },
          { active: false },
        );
        await sessions.update({ id: session.id }, { active: true });
      }
      return session;
    });
  }

  deactivate(userId: number): Promise<Session> {
    return this.mutate(userId, undefined, async (sessions) => {
      const active = await sessions.findOneBy({
        user_id: userId,
        active: true,
      });
      if (!active) {
        throw new NoActiveSessionError(userId);
      }
      await sessions.update({ id: active.id }, { active: false });
      return active;
    });
  }

  rename(userId: number, title: string, newTitle: string): Promise<Session> {
    return this.mutate(userId, newTitle, async (sessions) => {
      const session = await this.findByTitleOrThrow(sessions, userId, title);
      if (newTitle === title) {
        return session;
      }
      if (await sessions.existsBy({ user_id: userId, title: newTitle })) {
        throw new SessionTitleTakenError(userId, newTitle);
      }
      await sessions.update({ id: session.id }, { title: newTitle });
      return sessions.findOneByOrFail({ id: session.id });
    });
  }

  deleteByTitle(userId: number, title: string): Promise<void> {
    return this.mutate(userId, title, async (sessions) => {
      const session = await this.findByTitleOrThrow(sessions, userId, title);
      if (session.active) {
        throw new ActiveSessionDeletionError(title);
      }
      await sessions.delete({ id: session.id });
    });
  }

  private async findByTitleOrThrow(
    sessions: Repository<Session>,
    userId: number,
    title: string,
  ): Promise<Session> {
    // PostgreSQL text cannot hold NUL, so no stored title has one; querying would fail.
    const session = title.includes('\u0000')
      ? null
      : await sessions.findOneBy({ user_id: userId, title });
    if (!session) {
      throw new SessionNotFoundError(userId, title);
    }
    return session;
  }

  /**
   * Runs `work` in a transaction holding the user's lock, then invalidates the user's
   * cache entries once the commit is durable and before the caller answers (R8).
   */
  private async mutate<T>(
    userId: number,
    title: string | undefined,
    work: (sessions: Repository<Session>) => Promise<T>,
  ): Promise<T> {
    try {
      const result = await this.dataSource.transaction(async (manager) => {
        await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [
          USER_SESSIONS_LOCK_SPACE,
          userId,
        ]);
        return work(manager.getRepository(Session));
      });
      await this.cache.invalidate(userId);
      return result;
    } catch (error) {
      if (error instanceof DomainError) {
        throw error;
      }
      // The commit may or may not have happened (e.g. the connection dropped): forget
      // what the cache holds either way.
      await this.cache.invalidate(userId);
      throw this.translateConstraintViolation(error, userId, title);
    }
  }

  private translateConstraintViolation(
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
}
