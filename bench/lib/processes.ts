import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { freePort } from '../../src/common/free-port';

export { freePort };

const CLOCK_TICKS_PER_SECOND = Number(
  (() => {
    try {
      return execFileSync('getconf', ['CLK_TCK']).toString().trim();
    } catch {
      return '100';
    }
  })(),
);

export const hasCommand = (name: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

export const canPin = hasCommand('taskset');

/** Runs `command` on one CPU when taskset exists, otherwise unpinned. */
export function pinned(
  cpu: number,
  command: string,
  args: string[],
): [string, string[]] {
  return canPin
    ? ['taskset', ['-c', String(cpu), command, ...args]]
    : [command, args];
}

/** Seconds of CPU (user + system) the process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

export function memoryKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

/** Samples RSS every `everyMs` until stopped; keeps the timeline and the peak. */
export class RssSampler {
  readonly samples: { atMs: number; kb: number }[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly startedAt = Date.now();

  constructor(
    private readonly pid: number,
    everyMs = 250,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  stop(): { peakKb: number } {
    clearInterval(this.timer);
    this.sample();
    return { peakKb: Math.max(...this.samples.map((s) => s.kb)) };
  }

  private sample(): void {
    try {
      this.samples.push({
        atMs: Date.now() - this.startedAt,
        kb: memoryKb(this.pid, 'VmRSS'),
      });
    } catch {
      // the process is gone; the timeline simply ends
    }
  }
}

export function httpStatus(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers, timeout: 1_000 },
      (response) => {
        response.resume();
        resolve(response.statusCode);
      },
    );
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => {
      req.destroy();
      resolve(undefined);
    });
    req.end();
  });
}

export interface Server {
  name: string;
  port: number;
  child: ChildProcess;
  pid: number;
  readyMs: number;
  /** CPU the process used to get ready: unlike readyMs, barely moved by other load. */
  readyCpuMs: number;
  output: () => string;
}

/**
 * Starts a server pinned to CPU 0 and waits until `path` answers with any HTTP status:
 * both the service (Nest listens only once every module, the database and Redis are up)
 * and the floor accept connections only when they are ready.
 */
export async function startServer(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  readyPath: string,
  headers: Record<string, string> = {},
): Promise<Server> {
  const startedAt = process.hrtime.bigint();
  const [file, argv] = pinned(0, command, args);
  const child = spawn(file, argv, {
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`${name} exited during start-up:\n${output}`);
    }
    if ((await httpStatus(port, readyPath, headers)) !== undefined) {
      break;
    }
    if (Number(process.hrtime.bigint() - startedAt) > 30e9) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready after 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const readyMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
  const readyCpuMs = cpuSeconds(child.pid!) * 1000;
  return {
    readyCpuMs,
    name,
    port,
    child,
    pid: child.pid!,
    readyMs,
    output: () => output,
  };
}

export function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) {
      resolve();
      return;
    }
    const killer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
    server.child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    server.child.kill('SIGTERM');
  });
}
