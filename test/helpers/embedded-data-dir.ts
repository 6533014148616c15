import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestDatabase } from './test-database';

/** A database the application starts itself, in a `DATA_DIR` of its own. */
export interface EmbeddedTestDatabase extends TestDatabase {
  dataDir: string;
}

/**
 * A fresh temporary `DATA_DIR`; `url` is filled in once the application has started its
 * embedded PostgreSQL there, and `drop()` deletes the directory.
 */
export function createEmbeddedDataDir(): EmbeddedTestDatabase {
  const dataDir = mkdtempSync(join(tmpdir(), 'session-test-data-'));
  // As root, PostgreSQL runs as the "postgres" user, which must enter the directory.
  chmodSync(dataDir, 0o755);
  return {
    name: 'sessions',
    url: '',
    dataDir,
    drop: () => {
      rmSync(dataDir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}
