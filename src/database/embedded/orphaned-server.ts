// Recovery after a crash: stops a server an earlier run left behind, or clears its stale lock.
import { Logger } from '@nestjs/common';
import { readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedDatabaseError } from './embedded-database.error';
import { commandOf, isRunning, isZombie, waitForExit } from './process-status';

/**
 * If the service died without stopping its server (kill -9), finds that server through
 * `postmaster.pid` and stops it, so a fresh one can start on the same cluster.
 */
export async function stopOrphanedServer(
  pgdata: string,
  logger: Logger,
): Promise<void> {
  const pidFile = join(pgdata, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) {
    return;
  }
  if (!isRunning(pid)) {
    // PostgreSQL removes a lock file whose owner is gone by itself, except when the
    // owner is an unreaped zombie: kill(pid, 0) still succeeds for it.
    if (isZombie(pid)) {
      unlinkSync(pidFile);
    }
    return;
  }
  const command = commandOf(pid);
  if (command !== undefined && !command.includes('postgres')) {
    // The pid was reused by an unrelated process after a crash.
    unlinkSync(pidFile);
    return;
  }
  logger.warn(
    `Stopping the embedded PostgreSQL (pid ${pid}) left running by an earlier run that did not shut down`,
  );
  for (const [signal, waitMs] of [
    ['SIGINT', 15_000],
    ['SIGQUIT', 5_000],
    ['SIGKILL', 5_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    if (await waitForExit(pid, waitMs)) {
      return;
    }
  }
  throw new EmbeddedDatabaseError(
    `The embedded PostgreSQL left running by an earlier run (pid ${pid}) does not stop; stop it and start again`,
  );
}
