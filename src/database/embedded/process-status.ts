// What the kernel says about a process: running, zombie, start time, parent, command.
import { readFileSync } from 'node:fs';

/**
 * What /proc says about a process (Linux only; `undefined` elsewhere or when it is gone).
 * Field numbers follow proc(5); the command name may contain spaces and parentheses,
 * so the fields are counted from the last ')'.
 */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** True while `pid` runs (a zombie counts as gone: nothing left to stop). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') {
      return false;
    }
  }
  return procStat(pid)?.[0] !== 'Z';
}

/** A process that has exited but not been reaped yet; `kill(pid, 0)` still succeeds. */
export function isZombie(pid: number): boolean {
  return procStat(pid)?.[0] === 'Z';
}

/** The kernel's start time of `pid`, which tells a live owner from a reused pid. */
export function startTimeOf(pid: number): string | undefined {
  return procStat(pid)?.[19];
}

export function parentOf(pid: number): number | undefined {
  const parent = procStat(pid)?.[1];
  return parent === undefined ? undefined : Number(parent);
}

/** The command line of `pid`, or `undefined` where /proc is not available. */
export function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

export const delay = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitForExit(
  pid: number,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) {
      return false;
    }
    await delay(100);
  }
  return true;
}
