// One running service per data directory, through a pid file.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedDatabaseError } from './embedded-database.error';
import { isRunning, startTimeOf } from './process-status';

const LOCK_FILE = 'service.pid';

interface LockOwner {
  pid: number;
  startTime?: string;
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const [pid, startTime] = readFileSync(file, 'utf8').split('\n');
    return { pid: Number(pid), startTime: startTime || undefined };
  } catch {
    return undefined;
  }
}

function isLive(owner: LockOwner): boolean {
  if (!Number.isInteger(owner.pid) || owner.pid === process.pid) {
    return false;
  }
  if (!isRunning(owner.pid)) {
    return false;
  }
  const startTime = startTimeOf(owner.pid);
  return !owner.startTime || !startTime || startTime === owner.startTime;
}

/**
 * One running service per data directory. The lock file holds the owner's pid (and,
 * on Linux, its start time, so a pid reused after a crash is not mistaken for it);
 * a lock whose owner is gone is stale and taken over.
 */
export class DataDirectoryLock {
  private released = false;

  private constructor(private readonly file: string) {}

  static acquire(dataDir: string): DataDirectoryLock {
    const file = join(dataDir, LOCK_FILE);
    const content = `${process.pid}\n${startTimeOf(process.pid) ?? ''}\n`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        writeFileSync(file, content, { flag: 'wx', mode: 0o644 });
        return new DataDirectoryLock(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw error;
        }
      }
      const owner = readOwner(file);
      if (owner && isLive(owner)) {
        throw new EmbeddedDatabaseError(
          `Another copy of the service (pid ${owner.pid}) is already running on the data directory ${dataDir}. ` +
            'Stop it first, or give this copy its own directory with DATA_DIR.',
        );
      }
      try {
        unlinkSync(file);
      } catch {
        // Another starter removed the stale lock first; try again.
      }
    }
    throw new EmbeddedDatabaseError(
      `Could not lock the data directory ${dataDir} (${file})`,
    );
  }

  release(): void {
    if (this.released) {
      return;
    }
    this.released = true;
    if (readOwner(this.file)?.pid === process.pid) {
      try {
        unlinkSync(this.file);
      } catch {
        // Already gone.
      }
    }
  }
}
