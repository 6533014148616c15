import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** A copy of the service started the way `npm start` starts it. */
export interface ServiceProcess {
  child: ChildProcess;
  baseUrl: string;
  /** The token for user 1 that the service printed. */
  token: string;
  output(): string;
  exited: Promise<ProcessExit>;
  /** Sends `signal` and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<ProcessExit>;
}

/**
 * The environment of a developer who configured nothing: no database, no Redis, no
 * secret; only where the data goes and a free port.
 */
export function bareEnvironment(
  dataDir: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    // Empty (= unset) rather than absent, so a developer's .env cannot fill them in.
    DATABASE_URL: '',
    DB_HOST: '',
    REDIS_URL: '',
    REDIS_HOST: '',
    SECRET_KEY: '',
    DATA_DIR: dataDir,
    PORT: '0',
    ...extra,
  };
}

function spawnWithOutput(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; output: () => string; exited: Promise<ProcessExit> } {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<ProcessExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, output })),
  );
  return { child, output: () => output, exited };
}

/** Runs `node scripts/start.js` (what `npm start` runs) and resolves once it listens. */
export async function startService(
  env: NodeJS.ProcessEnv,
  timeoutMs = 180_000,
): Promise<ServiceProcess> {
  const { child, output, exited } = spawnWithOutput(
    process.execPath,
    ['scripts/start.js'],
    env,
  );
  const started = Date.now();
  for (;;) {
    const text = output();
    const listening = /Session service listening on (http:\S+)/.exec(text);
    const token = /Token for user 1[^\n]*\n\s*(\S+)/.exec(text);
    if (listening && token) {
      return {
        child,
        baseUrl: listening[1],
        token: token[1],
        output,
        exited,
        stop: async (signal = 'SIGTERM') => {
          child.kill(signal);
          return exited;
        },
      };
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`The service exited before listening:\n${text}`);
    }
    if (Date.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(
        `The service did not listen within ${timeoutMs} ms:\n${text}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs the service expecting it to stop by itself (a refused start). */
export function runServiceToExit(env: NodeJS.ProcessEnv): Promise<ProcessExit> {
  return spawnWithOutput(process.execPath, ['scripts/start.js'], env).exited;
}

/** Runs `npm run token -- <userId>`, as the start banner tells developers to. */
export async function mintToken(
  env: NodeJS.ProcessEnv,
  userId: number,
): Promise<string> {
  const { code, output } = await spawnWithOutput(
    'npm',
    ['run', '--silent', 'token', '--', String(userId)],
    env,
  ).exited;
  if (code !== 0) {
    throw new Error(`npm run token failed:\n${output}`);
  }
  return output.trim().split('\n').pop()!;
}

/** The pid in the embedded PostgreSQL's lock file, if it has one. */
export function postmasterPid(dataDir: string): number | undefined {
  try {
    return Number(
      readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split(
        '\n',
      )[0],
    );
  } catch {
    return undefined;
  }
}
