// The cluster on disk: where its files are, creating it with initdb, and its password.
import { Logger } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { EmbeddedDatabaseError } from './embedded-database.error';
import { Account, SUPERUSER } from './postgres-account';
import type { PostgresBinaries } from './postgres-binaries';

export interface ClusterPaths {
  /** The directory that holds the three below: `DATA_DIR`, unless relocated as root. */
  home: string;
  pgdata: string;
  log: string;
  password: string;
}

export function clusterPaths(home: string): ClusterPaths {
  return {
    home,
    pgdata: join(home, 'postgres'),
    log: join(home, 'postgres.log'),
    password: join(home, 'postgres-password'),
  };
}

/** Creates the cluster with a new random password for the superuser. */
export async function initialiseCluster(
  binaries: PostgresBinaries,
  account: Account | undefined,
  paths: ClusterPaths,
  logger: Logger,
): Promise<void> {
  for (const entry of readdirSync(paths.home)) {
    if (entry.startsWith('postgres.initdb-')) {
      rmSync(join(paths.home, entry), { recursive: true, force: true });
    }
  }
  logger.log(`Creating the embedded PostgreSQL in ${paths.pgdata}`);
  const password = randomBytes(24).toString('hex');
  writeFileSync(paths.password, `${password}\n`, { mode: 0o600 });
  // initdb writes into a scratch directory that is renamed when complete, so an
  // interrupted first start never leaves a half-made cluster behind.
  const scratch = join(
    paths.home,
    `postgres.initdb-${randomBytes(4).toString('hex')}`,
  );
  const passwordFile = `${scratch}.pw`;
  mkdirSync(scratch, { mode: 0o700 });
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (account) {
    chownSync(scratch, account.uid, account.gid);
    chownSync(passwordFile, account.uid, account.gid);
  }
  try {
    await runInitdb(
      binaries.initdb,
      [
        `--pgdata=${scratch}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ],
      account,
      paths.home,
    );
  } finally {
    rmSync(passwordFile, { force: true });
  }
  renameSync(scratch, paths.pgdata);
}

export function readPassword(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new EmbeddedDatabaseError(
      `The password of the embedded PostgreSQL (${file}) is missing: restore it, or delete ${dirname(file)} to start afresh`,
    );
  }
}

function runInitdb(
  command: string,
  args: string[],
  account: Account | undefined,
  home: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...account,
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) =>
      reject(
        new EmbeddedDatabaseError(`Cannot run ${command}: ${error.message}`),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) {
        resolve();
        return;
      }
      const hint = account
        ? ` As root, PostgreSQL runs as the "${SUPERUSER}" user, which must be able to reach ${home}: set DATA_DIR to a directory it can enter, or run as a normal user.`
        : '';
      reject(
        new EmbeddedDatabaseError(
          `Creating the embedded PostgreSQL failed (exit code ${code}).${hint}\n${output.trim()}`,
        ),
      );
    });
  });
}
