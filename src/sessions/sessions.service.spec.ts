import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { EntityManager, QueryFailedError } from 'typeorm';
import type { Session } from './session.entity';
import { SessionCache } from './session-cache.service';
import * as errors from './sessions.errors';
import { IdempotencyStore } from '../idempotency/idempotency.store';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

/** An in-memory `SessionsRepository`: the service's statements, by intent. */
class FakeSessionsRepository implements Omit<SessionsRepository, 'manager'> {
  rows: Session[] = [];
  locked: number[] = [];
  /** When set, the next insert fails as PostgreSQL does on this unique constraint. */
  violate?: string;

  private own = (userId: number) =>
    this.rows.filter((row) => row.user_id === userId);

  inUserLock<T>(
    userId: number,
    work: (sessions: SessionsRepository, manager: EntityManager) => Promise<T>,
  ): Promise<T> {
    this.locked.push(userId);
    return work(this as unknown as SessionsRepository, {} as EntityManager);
  }
  listOldestFirst(userId: number) {
    return Promise.resolve(this.own(userId));
  }
  async findActiveId(userId: number) {
    return (await this.findActive(userId))?.id;
  }
  findActive(userId: number) {
    return Promise.resolve(this.own(userId).find((row) => row.active));
  }
  findByTitle(userId: number, title: string) {
    return Promise.resolve(this.own(userId).find((row) => row.title === title));
  }
  countAndTitleTaken(userId: number, title: string) {
    const own = this.own(userId);
    return Promise.resolve({
      total: own.length,
      taken: own.some((row) => row.title === title),
    });
  }
  async titleTaken(userId: number, title: string) {
    return (await this.findByTitle(userId, title)) !== undefined;
  }
  insertActive(userId: number, title: string) {
    if (this.violate) {
      const driverError = { code: '23505', constraint: this.violate };
      return Promise.reject(
        new QueryFailedError('INSERT', [], driverError as unknown as Error),
      );
    }
    const now = new Date();
    const created = {
      id: randomUUID(),
      user_id: userId,
      title,
      active: true,
      created_at: now,
      updated_at: now,
    };
    this.rows.push(created);
    return Promise.resolve({ ...created });
  }
  deactivateAll(userId: number) {
    this.own(userId).forEach((row) => (row.active = false));
    return Promise.resolve();
  }
  setActive(sessionId: string, active: boolean) {
    this.rows.find((row) => row.id === sessionId)!.active = active;
    return Promise.resolve();
  }
  rename(sessionId: string, title: string) {
    const row = this.rows.find((candidate) => candidate.id === sessionId)!;
    row.title = title;
    return Promise.resolve({ ...row });
  }
  delete(sessionId: string) {
    this.rows = this.rows.filter((row) => row.id !== sessionId);
    return Promise.resolve();
  }
}

describe('SessionsService', () => {
  let service: SessionsService;
  let repository: FakeSessionsRepository;
  let invalidated: number[];

  const titles = () => repository.rows.map((row) => row.title);
  const activeTitles = () =>
    repository.rows.filter((row) => row.active).map((row) => row.title);

  beforeEach(async () => {
    repository = new FakeSessionsRepository();
    invalidated = [];
    const moduleRef = await Test.createTestingModule({
      providers: [
        SessionsService,
        { provide: SessionsRepository, useValue: repository },
        { provide: IdempotencyStore, useValue: {} },
        {
          provide: SessionCache,
          useValue: {
            invalidate: (userId: number) => (
              invalidated.push(userId),
              Promise.resolve()
            ),
          },
        },
        { provide: ConfigService, useValue: { getOrThrow: () => 3 } },
      ],
    }).compile();
    service = moduleRef.get(SessionsService);
  });

  it('creates the session as the only active one, under the user lock, then invalidates', async () => {
    await service.create(1, 'a');
    const created = await service.create(1, 'b');
    expect(created).toMatchObject({ user_id: 1, title: 'b', active: true });
    expect(activeTitles()).toEqual(['b']);
    expect(repository.locked).toEqual([1, 1]);
    expect(invalidated).toEqual([1, 1]);
  });

  it('refuses a duplicate title and leaves everything as it was', async () => {
    await service.create(1, 'a');
    await expect(service.create(1, 'a')).rejects.toBeInstanceOf(
      errors.SessionTitleTakenError,
    );
    expect(titles()).toEqual(['a']);
    expect(invalidated).toEqual([1]);
  });

  it('refuses to exceed the per-user limit', async () => {
    for (const title of ['a', 'b', 'c']) {
      await service.create(1, title);
    }
    await expect(service.create(1, 'd')).rejects.toBeInstanceOf(
      errors.SessionLimitReachedError,
    );
    await expect(service.create(2, 'd')).resolves.toMatchObject({ user_id: 2 });
  });

  it('activates by title and deactivates the previous one', async () => {
    await service.create(1, 'a');
    await service.create(1, 'b');
    await service.activateByTitle(1, 'a');
    expect(activeTitles()).toEqual(['a']);
    await expect(service.activateByTitle(1, 'zzz')).rejects.toBeInstanceOf(
      errors.SessionNotFoundError,
    );
  });

  it('deactivates, and reports when nothing is active', async () => {
    await service.create(1, 'a');
    await expect(service.deactivate(1)).resolves.toEqual({
      detail: "'a' deactivated for user_id=1",
    });
    expect(activeTitles()).toEqual([]);
    await expect(service.deactivate(1)).rejects.toBeInstanceOf(
      errors.NoActiveSessionError,
    );
    await expect(service.activeSessionId(1)).rejects.toBeInstanceOf(
      errors.NoActiveSessionError,
    );
  });

  it('renames without touching the id or the active flag, and refuses a taken title', async () => {
    const a = await service.create(1, 'a');
    await service.create(1, 'b');
    await expect(service.rename(1, 'a', 'c')).resolves.toMatchObject({
      id: a.id,
      title: 'c',
      active: false,
    });
    await expect(service.rename(1, 'c', 'b')).rejects.toBeInstanceOf(
      errors.SessionTitleTakenError,
    );
  });

  it('deletes an inactive session but never the active one', async () => {
    await service.create(1, 'a');
    await service.create(1, 'b');
    await expect(service.deleteByTitle(1, 'b')).rejects.toBeInstanceOf(
      errors.ActiveSessionDeletionError,
    );
    await service.deleteByTitle(1, 'a');
    expect(titles()).toEqual(['b']);
  });

  it('turns a unique-constraint violation into a domain error, and still invalidates', async () => {
    repository.violate = 'UQ_sessions_user_id_title';
    await expect(service.create(1, 'a')).rejects.toBeInstanceOf(
      errors.SessionTitleTakenError,
    );
    repository.violate = 'UQ_sessions_active_user_id';
    await expect(service.create(1, 'b')).rejects.toBeInstanceOf(
      errors.SessionConflictError,
    );
    expect(invalidated).toEqual([1, 1]);
  });
});
