/** The measured processes (the service, the floor, other builds): pinned to CPU 0, started, stopped. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../src/common/free-port';
import { SESSIONS } from '../test/helpers/constants';
import { httpStatus, ServiceProcess } from '../test/helpers/service-process';

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

/** A measured process: the shared ServiceProcess, named, with its Redis key prefix. */
export type Side = ServiceProcess & {
  /** `floor`, `service`, a `--compare` label, or `10k` / `1M` for `--scale`. */
  name: string;
  /** Its REDIS_KEY_PREFIX, so the bench can empty its cache. */
  prefix: string;
};

export interface SideSpec {
  name: string;
  prefix: string;
  script: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  nodeArgs: string[];
}

/** `node [nodeArgs] script` on CPU 0 with a free PORT, once it answers HTTP (any status). */
export async function startSide(spec: SideSpec): Promise<Side> {
  const { name, prefix, script, cwd } = spec;
  const port = await freePort();
  const [command, args] = pinned(0, process.execPath, [
    ...spec.nodeArgs,
    script,
  ]);
  const env = { ...spec.env, PORT: String(port), REDIS_KEY_PREFIX: prefix };
  const side = ServiceProcess.spawn({ command, args, cwd, env, port });
  await side.waitUntilReady(
    async () => (await httpStatus(`${side.baseUrl}${SESSIONS}`)) !== undefined,
    { timeoutMs: 60_000, what: `${name} to answer`, intervalMs: 20 },
  );
  return Object.assign(side, { name, prefix });
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
