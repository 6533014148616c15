import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { getDataSourceToken, getRepositoryToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Session } from './session.entity';
import { SessionCache } from './session-cache.service';
import {
  ActiveSessionDeletionError,
  NoActiveSessionError,
  SessionLimitReachedError,
  SessionNotFoundError,
  SessionTitleTakenError,
} from './sessions.errors';
import { SessionsService } from './sessions.service';

type Where = Partial<Session>;

/** An in-memory stand-in for `Repository<Session>`, enough for the service's calls. */
class FakeSessionRepository {
  rows: Session[] = [];

  private matches = (where: Where) => (row: Session) =>
    Object.entries(where).every(
      ([key, value]) => row[key as keyof Session] === value,
    );

  find({ where }: { where: Where }) {
    return Promise.resolve(this.rows.filter(this.matches(where)));
  }
  /** The service's plain statements (`SQL` in sessions.service.ts), told apart by their verb. */
  query(sql: string, params: unknown[]) {
    const [userId, title] = params as [number, string];
    const own = this.rows.filter((row) => row.user_id === userId);
    if (sql.startsWith('SELECT "id"')) {
      return Promise.resolve(
        own.filter((row) => row.active).map(({ id }) => ({ id })),
      );
    }
    if (sql.startsWith('SELECT count(*)')) {
      return Promise.resolve([
        { total: own.length, taken: own.some((row) => row.title === title) },
      ]);
    }
    if (sql.startsWith('UPDATE')) {
      own.forEach((row) => (row.active = false));
      return Promise.resolve([]);
    }
    if (sql.startsWith('INSERT')) {
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
      return Promise.resolve([created]);
    }
    throw new Error(`unexpected statement: ${sql}`);
  }
  findOne({ where }: { where: Where }) {
    return Promise.resolve(this.rows.find(this.matches(where)) ?? null);
  }
  findOneBy(where: Where) {
    return Promise.resolve(this.rows.find(this.matches(where)) ?? null);
  }
  existsBy(where: Where) {
    return Promise.resolve(this.rows.some(this.matches(where)));
  }
  findOneByOrFail(where: Where) {
    return Promise.resolve(this.rows.find(this.matches(where))!);
  }
  create(values: Partial<Session>) {
    return { ...values } as Session;
  }
  update(where: Where, values: Partial<Session>) {
    this.rows
      .filter(this.matches(where))
      .forEach((row) => Object.assign(row, values));
    return Promise.resolve();
  }
  delete(where: Where) {
    this.rows = this.rows.filter((row) => !this.matches(where)(row));
    return Promise.resolve();
  }
}

describe('SessionsService', () => {
  let service: SessionsService;
  let repository: FakeSessionRepository;
  let invalidated: number[];
  let locked: unknown[][];

  const titles = () => repository.rows.map((row) => row.title);
  const activeTitles = () =>
    repository.rows.filter((row) => row.active).map((row) => row.title);

  beforeEach(async () => {
    repository = new FakeSessionRepository();
    invalidated = [];
    locked = [];
    const manager = {
      query: (_sql: string, params: unknown[]) => {
        locked.push(params);
        return Promise.resolve([]);
      },
      getRepository: () => repository,
    };
    const moduleRef = await Test.createTestingModule({
      providers: [
        SessionsService,
        { provide: getRepositoryToken(Session), useValue: repository },
        {
          provide: getDataSourceToken(),
          useValue: {
            transaction: (work: (m: typeof manager) => unknown) =>
              work(manager),
          },
        },
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
    expect(locked.every(([, userId]) => userId === 1)).toBe(true);
    expect(invalidated).toEqual([1, 1]);
  });

  it('refuses a duplicate title and leaves everything as it was', async () => {
    await service.create(1, 'a');
    await expect(service.create(1, 'a')).rejects.toBeInstanceOf(
      SessionTitleTakenError,
    );
    expect(titles()).toEqual(['a']);
    expect(invalidated).toEqual([1]);
  });

  it('refuses to exceed the per-user limit', async () => {
    for (const title of ['a', 'b', 'c']) {
      await service.create(1, title);
    }
    await expect(service.create(1, 'd')).rejects.toBeInstanceOf(
      SessionLimitReachedError,
    );
    await expect(service.create(2, 'd')).resolves.toMatchObject({ user_id: 2 });
  });

  it('activates by title and deactivates the previous one', async () => {
    await service.create(1, 'a');
    await service.create(1, 'b');
    await service.activateByTitle(1, 'a');
    expect(activeTitles()).toEqual(['a']);
    await expect(service.activateByTitle(1, 'zzz')).rejects.toBeInstanceOf(
      SessionNotFoundError,
    );
  });

  it('deactivates, and reports when nothing is active', async () => {
    await service.create(1, 'a');
    await expect(service.deactivate(1)).resolves.toMatchObject({ title: 'a' });
    expect(activeTitles()).toEqual([]);
    await expect(service.deactivate(1)).rejects.toBeInstanceOf(
      NoActiveSessionError,
    );
    await expect(service.activeSessionId(1)).rejects.toBeInstanceOf(
      NoActiveSessionError,
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
      SessionTitleTakenError,
    );
  });

  it('deletes an inactive session but never the active one', async () => {
    await service.create(1, 'a');
    await service.create(1, 'b');
    await expect(service.deleteByTitle(1, 'b')).rejects.toBeInstanceOf(
      ActiveSessionDeletionError,
    );
    await service.deleteByTitle(1, 'a');
    expect(titles()).toEqual(['b']);
  });
});
