import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { EntityManager, QueryFailedError } from 'typeorm';
import type { Session } from './session.entity';
import {
  SESSION_STATEMENTS as SQL,
  USER_SESSIONS_LOCK_SPACE,
} from './sessions.statements';

/**
 * The sessions table's data access: every statement the service needs, by intent. An
 * instance made by `inUserLock` runs its statements inside that transaction.
 */
@Injectable()
export class SessionsRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  /**
   * Runs `work` in one transaction that first takes the user's advisory lock, so one
   * user's writes are serialised across all instances while other users never wait.
   */
  inUserLock<T>(
    userId: number,
    work: (sessions: SessionsRepository, manager: EntityManager) => Promise<T>,
  ): Promise<T> {
    return this.manager.transaction(async (manager) => {
      await manager.query(SQL.lockUser, [USER_SESSIONS_LOCK_SPACE, userId]);
      return work(new SessionsRepository(manager), manager);
    });
  }

  /** The user's lock was not free within the statement timeout (another write held it). */
  static isLockWaitTimeout(error: unknown): boolean {
    return (
      error instanceof QueryFailedError &&
      error.query === SQL.lockUser &&
      (error.driverError as { code?: string }).code === '57014'
    );
  }

  listOldestFirst(userId: number): Promise<Session[]> {
    return this.manager.query<Session[]>(SQL.listOldestFirst, [userId]);
  }

  async findActiveId(userId: number): Promise<string | undefined> {
    const [active] = await this.manager.query<{ id: string }[]>(SQL.activeId, [
      userId,
    ]);
    return active?.id;
  }

  async findActive(userId: number): Promise<Session | undefined> {
    const [active] = await this.manager.query<Session[]>(SQL.findActive, [
      userId,
    ]);
    return active;
  }

  async findByTitle(
    userId: number,
    title: string,
  ): Promise<Session | undefined> {
    // PostgreSQL text cannot hold NUL, so no stored title has one; querying would fail.
    if (title.includes('\u0000')) {
      return undefined;
    }
    const [session] = await this.manager.query<Session[]>(SQL.findByTitle, [
      userId,
      title,
    ]);
    return session;
  }

  async countAndTitleTaken(
    userId: number,
    title: string,
  ): Promise<{ total: number; taken: boolean }> {
    const [counted] = await this.manager.query<
      { total: number; taken: boolean }[]
    >(SQL.countAndTitleTaken, [userId, title]);
    return counted;
  }

  async titleTaken(userId: number, title: string): Promise<boolean> {
    const [{ taken }] = await this.manager.query<{ taken: boolean }[]>(
      SQL.titleTaken,
      [userId, title],
    );
    return taken;
  }

  async insertActive(userId: number, title: string): Promise<Session> {
    const [created] = await this.manager.query<Session[]>(SQL.insertActive, [
      userId,
      title,
    ]);
    return created;
  }

  async deactivateAll(userId: number): Promise<void> {
    await this.manager.query(SQL.deactivateAll, [userId]);
  }

  async setActive(sessionId: string, active: boolean): Promise<void> {
    await this.manager.query(active ? SQL.activate : SQL.deactivate, [
      sessionId,
    ]);
  }

  async rename(sessionId: string, title: string): Promise<Session> {
    // TypeORM answers an UPDATE with [rows, affected count], RETURNING rows included.
    const [[renamed]] = await this.manager.query<[Session[], number]>(
      SQL.rename,
      [sessionId, title],
    );
    return renamed;
  }

  async delete(sessionId: string): Promise<void> {
    await this.manager.query(SQL.delete, [sessionId]);
  }
}
