// As root, puts the cluster and the binaries where the postgres user can reach them.
import { Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  realpathSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { arch, platform } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { EmbeddedDatabaseError } from './embedded-database.error';
import { Account, canReach, SUPERUSER } from './postgres-account';
import { binariesIn, PostgresBinaries } from './postgres-binaries';
import { clusterPaths } from './postgres-cluster';

/**
 * Where, as root, goes what the `postgres` user cannot reach in place: a clone in
 * root's home (mode 0700) is closed to it, binaries and `./data` alike.
 */
export const SHARED_ROOT = '/var/lib/session-service';

export interface Layout {
  /** Holds the cluster, its password and its log (see `clusterPaths`). */
  home: string;
  binaries: PostgresBinaries;
}

export interface LayoutOptions {
  dataDir: string;
  binaries: PostgresBinaries;
  /** The user the server runs as; `undefined` when it runs as the service's own. */
  account: Account | undefined;
  sharedRoot?: string;
  reach?: (account: Account, path: string) => boolean;
}

/**
 * The cluster lives in `DATA_DIR` and the binaries run from `node_modules`, unless the
 * `postgres` user cannot reach them there. Then the cluster lives in a directory of
 * `SHARED_ROOT` named after the real path of `DATA_DIR` (so the next start finds it
 * again), and the binaries run from a copy named after their version.
 */
export function reachableLayout(
  {
    dataDir,
    binaries,
    account,
    sharedRoot = SHARED_ROOT,
    reach = canReach,
  }: LayoutOptions,
  logger: Logger,
): Layout {
  if (!account) {
    return { home: dataDir, binaries };
  }
  const reachable = (path: string) => reach(account, path);
  let home = dataDir;
  if (!reachable(dataDir)) {
    home = relocatedHome(dataDir, sharedRoot, reachable);
    logger.log(
      `As root, PostgreSQL runs as the "${SUPERUSER}" user, which cannot enter ${dataDir}: its cluster is in ${home}`,
    );
  }
  return {
    home,
    binaries: reachable(binaries.postgres)
      ? binaries
      : copiedBinaries(binaries, sharedRoot, reachable, logger),
  };
}

function relocatedHome(
  dataDir: string,
  sharedRoot: string,
  reachable: (path: string) => boolean,
): string {
  if (existsSync(join(clusterPaths(dataDir).pgdata, 'PG_VERSION'))) {
    throw new EmbeddedDatabaseError(
      `The embedded PostgreSQL in ${dataDir} is out of reach of the "${SUPERUSER}" user it runs as under root: ` +
        'let it enter every directory above (chmod o+x), or start the service as the user who created it.',
    );
  }
  const real = realpathSync(dataDir);
  const name = `${basename(dirname(real))}-${basename(real)}`.replace(
    /[^\w.-]/g,
    '_',
  );
  const digest = createHash('sha256').update(real).digest('hex').slice(0, 12);
  const home = join(sharedRoot, `${name}-${digest}`);
  mkdirSync(home, { recursive: true, mode: 0o755 });
  assertReachable(home, reachable);
  return home;
}

/** A copy made once per version; a scratch copy renamed into place, so never half made. */
function copiedBinaries(
  binaries: PostgresBinaries,
  sharedRoot: string,
  reachable: (path: string) => boolean,
  logger: Logger,
): PostgresBinaries {
  const target = join(
    sharedRoot,
    `postgresql-${binaries.version}-${platform()}-${arch()}`,
  );
  const copy = binariesIn(target, binaries.version);
  if (!existsSync(copy.postgres)) {
    logger.log(
      `As root, PostgreSQL runs as the "${SUPERUSER}" user, which cannot run ${binaries.root}: copying it to ${target}`,
    );
    mkdirSync(sharedRoot, { recursive: true, mode: 0o755 });
    const scratch = `${target}.copy-${randomBytes(4).toString('hex')}`;
    try {
      cpSync(binaries.root, scratch, {
        recursive: true,
        verbatimSymlinks: true,
      });
      renameSync(scratch, target);
    } catch (error) {
      rmSync(scratch, { recursive: true, force: true });
      // A second copy starting at the same moment may have renamed its copy first.
      if (!existsSync(copy.postgres)) {
        throw error;
      }
    }
  }
  assertReachable(copy.postgres, reachable);
  return copy;
}

function assertReachable(
  path: string,
  reachable: (path: string) => boolean,
): void {
  if (!reachable(path)) {
    throw new EmbeddedDatabaseError(
      `As root, PostgreSQL runs as the "${SUPERUSER}" user, which cannot reach ${path} either: ` +
        'let it enter every directory above (chmod o+x), set DATABASE_URL, or start the service as a normal user.',
    );
  }
}
