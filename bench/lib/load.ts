import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { hasCommand, pinned } from './processes';

export type LoadMode = 'active' | 'list' | 'create' | 'activate' | 'mixed';
export type LoadGenerator = 'wrk' | 'autocannon';

export interface LoadOptions {
  port: number;
  mode: LoadMode;
  connections: number;
  seconds: number;
  tokensFile: string;
  sessionsPerUser: number;
  titlePrefix?: string;
  /** Stop after this many responses. */
  limit?: number;
}

export interface LoadResult {
  requests: number;
  durationUs: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  meanUs: number;
  maxUs: number;
  errors: {
    connect: number;
    read: number;
    write: number;
    status: number;
    timeout: number;
  };
  tokenWraps: number;
}

export const defaultLoadGenerator = (): LoadGenerator =>
  hasCommand('wrk') ? 'wrk' : 'autocannon';

/** Drives one server from CPU 1 (the server owns CPU 0). */
export function runLoad(
  generator: LoadGenerator,
  options: LoadOptions,
): Promise<LoadResult> {
  const env = {
    ...process.env,
    BENCH_MODE: options.mode,
    BENCH_TOKENS: options.tokensFile,
    BENCH_SESSIONS: String(options.sessionsPerUser),
    BENCH_PREFIX: options.titlePrefix ?? 'bench',
    BENCH_LIMIT: String(options.limit ?? 0),
  };
  const url = `http://127.0.0.1:${options.port}`;
  const [command, args] =
    generator === 'wrk'
      ? pinned(1, 'wrk', [
          '-t1',
          `-c${options.connections}`,
          `-d${options.seconds}s`,
          '--timeout',
          '10s',
          '-s',
          join(__dirname, '..', 'load', 'rotate.lua'),
          url,
        ])
      : pinned(1, process.execPath, [
          '-r',
          'ts-node/register/transpile-only',
          join(__dirname, '..', 'load', 'autocannon-worker.ts'),
          url,
          String(options.connections),
          String(options.seconds),
        ]);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('BENCH_LIMIT_REACHED')) {
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', () => {
      const line = output
        .split('\n')
        .find((text) => text.startsWith('BENCH_RESULT '));
      if (!line) {
        reject(new Error(`${generator} gave no result:\n${output}`));
        return;
      }
      resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as LoadResult);
    });
  });
}

export const errorCount = (result: LoadResult): number =>
  Object.values(result.errors).reduce((sum, value) => sum + value, 0);
