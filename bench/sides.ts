/** The measured processes (the service, the floor, other builds): pinned to CPU 0, started, stopped. */
import {
  ChildProcess,
  execFileSync,
  spawn,
  spawnSync,
} from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../src/common/free-port';

const ROOT = join(__dirname, '..');
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'])) || 100;

export const canPin =
  spawnSync('taskset', ['-p', `${process.pid}`]).status === 0;

/** Runs `command` on one CPU when taskset exists, otherwise unpinned. */
export function pinned(cpu: number, command: string, args: string[]) {
  const taskset = ['-c', String(cpu), command, ...args];
  return canPin ? (['taskset', taskset] as const) : ([command, args] as const);
}

/** CPU seconds (user + system, every thread) the process has used, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export interface Side {
  /** `floor`, `service`, a `--compare` label, or `10k` / `1M` for `--scale`. */
  name: string;
  /** Its REDIS_KEY_PREFIX, so the bench can empty its cache. */
  prefix: string;
  port: number;
  pid: number;
  readyMs: number;
  stop(): Promise<void>;
}

/** Any HTTP answer (401, without a token): both sides listen only once they are ready. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const options = { port, path: '/api/v1/sessions', timeout: 1_000 };
    const probe = request({ host: '127.0.0.1', ...options }, (response) => {
      response.resume();
      resolve(true);
    });
    probe.on('error', () => resolve(false));
    probe.on('timeout', () => probe.destroy());
    probe.end();
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      return resolve();
    }
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => resolve(clearTimeout(killer)));
    child.kill('SIGTERM');
  });
}

export interface SideSpec {
  name: string;
  prefix: string;
  script: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  nodeArgs: string[];
}

/** `node [nodeArgs] script` on CPU 0 with a free PORT, once it answers HTTP. */
export async function startSide(spec: SideSpec): Promise<Side> {
  const { name, prefix, script, cwd } = spec;
  const port = await freePort();
  const started = Date.now();
  const [command, args] = pinned(0, process.execPath, [
    ...spec.nodeArgs,
    script,
  ]);
  const env = { ...spec.env, PORT: String(port), REDIS_KEY_PREFIX: prefix };
  const child = spawn(command, args, {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() - started > 60_000) {
      await stop(child);
      throw new Error(`${name} did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const readyMs = Date.now() - started;
  return {
    name,
    prefix,
    port,
    pid: child.pid!,
    readyMs,
    stop: () => stop(child),
  };
}

/**
 * The floor as JavaScript, compiled once per run: under ts-node its heap would carry the
 * TypeScript compiler, which every garbage collection of the floor would then pay for.
 */
export function buildFloor(outDir: string): string {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  execFileSync(
    process.execPath,
    [
      tsc,
      join(ROOT, 'bench', 'floor', 'floor.ts'),
      '--outDir',
      outDir,
      '--rootDir',
      ROOT,
    ]
      .concat([
        '--noCheck',
        '--skipLibCheck',
        '--module',
        'commonjs',
        '--target',
        'ES2022',
      ])
      .concat([
        '--esModuleInterop',
        '--experimentalDecorators',
        '--emitDecoratorMetadata',
      ]),
    { stdio: 'inherit' },
  );
  return join(outDir, 'bench', 'floor', 'floor.js');
}
