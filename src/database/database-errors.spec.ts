import { connectionTarget, describeConnectionFailure } from './database-errors';

const serverError = (code: string, message: string) =>
  Object.assign(new Error(message), { code });

describe('describeConnectionFailure', () => {
  const target = { host: 'db', port: 5433, password: 'hunter2-secret' };

  it.each([
    [
      serverError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.5:5433'),
      'connection refused (is it running there?)',
    ],
    [serverError('ENOTFOUND', 'getaddrinfo ENOTFOUND db'), 'host not found'],
    [new Error('timeout expired'), 'no answer within 2 s'],
    [
      new Error('Connection terminated due to connection timeout'),
      'no answer within 2 s',
    ],
    [
      serverError('28P01', 'password authentication failed for user "svc"'),
      'password authentication failed for user "svc" (check the user and password in DATABASE_URL or DB_USER/DB_PASS)',
    ],
    [
      serverError('3D000', 'database "sessions" does not exist'),
      'database "sessions" does not exist (create it, or check the name in DATABASE_URL or DB_NAME)',
    ],
    [
      serverError('57P03', 'the database system is starting up'),
      'the database system is starting up',
    ],
  ])('%s: one line naming host:port', (error, reason) => {
    expect(describeConnectionFailure(error, target)).toBe(
      `Cannot connect to PostgreSQL at db:5433: ${reason}`,
    );
  });

  it('never repeats the password, even if a message quotes it', () => {
    const line = describeConnectionFailure(
      new Error('invalid URL postgres://svc:hunter2-secret@db\n  at parse'),
      target,
    );
    expect(line).toBe(
      'Cannot connect to PostgreSQL at db:5433: invalid URL postgres://svc:***@db',
    );
  });
});

describe('connectionTarget', () => {
  it('reads host, port and password from a URL or from the parts', () => {
    expect(
      connectionTarget({ url: 'postgres://u:p%40ss@db.internal/app' }),
    ).toEqual({ host: 'db.internal', port: 5432, password: 'p@ss' });
    expect(
      connectionTarget({ host: 'db', port: 6543, password: 'pw' }),
    ).toEqual({ host: 'db', port: 6543, password: 'pw' });
  });
});
