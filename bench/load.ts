/** The load generator: wrk with bench/load.lua, one thread on CPU 1 (the measured side owns CPU 0). */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pinned } from './sides';

export interface Load {
  port: number;
  /** bench/load.lua's BENCH_REQUESTS, e.g. `GET /api/v1/sessions/active`. */
  requests: string;
  connections: number;
  seconds: number;
  tokensFile: string;
  /** Titles s1…sN exist for every user: `{title}` picks one. */
  sessions: number;
  titlePrefix?: string;
  /** Stop after this many responses. */
  limit?: number;
}

export interface LoadResult {
  requests: number;
  durationUs: number;
  p99Us: number;
  /** Socket errors, timeouts and non-2xx/3xx answers. */
  errors: number;
  /** How often the walk through the token file started over. */
  tokenWraps: number;
}

/** `wrk 4.1.0 [epoll]`; throws, saying how to get it, when wrk is not installed. */
export function wrkVersion(): string {
  const { stdout, error } = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (error) {
    throw new Error(
      'npm run bench needs wrk: apt-get install wrk (Debian, Ubuntu) or brew install wrk',
    );
  }
  return stdout.split('\n')[0].replace(/ Copyright.*/, '');
}

export function runLoad(load: Load): Promise<LoadResult> {
  const [command, args] = pinned(1, 'wrk', [
    ...[
      '-t1',
      `-c${load.connections}`,
      `-d${load.seconds}s`,
      '--timeout',
      '10s',
    ],
    ...['-s', join(__dirname, 'load.lua'), `http://127.0.0.1:${load.port}`],
  ]);
  const child = spawn(command, args, {
    env: {
      ...process.env,
      BENCH_REQUESTS: load.requests,
      BENCH_TOKENS: load.tokensFile,
      BENCH_SESSIONS: String(load.sessions),
      BENCH_PREFIX: load.titlePrefix ?? 'bench',
      BENCH_LIMIT: String(load.limit ?? 0),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => (output += chunk.toString());
  child.stdout.on('data', (chunk: Buffer) => {
    collect(chunk);
    if (output.includes('BENCH_LIMIT_REACHED')) {
      child.kill('SIGINT');
    }
  });
  child.stderr.on('data', collect);
  return new Promise((resolve, reject) =>
    child.on('exit', () => {
      const line = /^BENCH_RESULT (.*)$/m.exec(output);
      if (line) {
        resolve(JSON.parse(line[1]) as LoadResult);
      } else {
        reject(new Error(`wrk gave no result:\n${output}`));
      }
    }),
  );
}
