// The running server: launched in its own process group on a free port, ready, stopped.
import { Logger } from '@nestjs/common';
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { Client } from 'pg';
import { freePort } from '../../common/free-port';
import { EmbeddedDatabaseError } from './embedded-database.error';
import { Account, SUPERUSER } from './postgres-account';
import type { PostgresBinaries } from './postgres-binaries';
import type { ClusterPaths } from './postgres-cluster';
import { delay, isRunning } from './process-status';

export const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * One PostgreSQL server process. It runs in its own process group (`detached`), so a
 * Ctrl-C in the terminal reaches only the service, which stops the server itself
 * once its requests have drained.
 */
export class PostgresServer {
  private child?: ChildProcess;
  private stopping = false;
  private port?: number;
  private password?: string;

  constructor(
    private readonly binaries: PostgresBinaries,
    private readonly account: Account | undefined,
    private readonly paths: ClusterPaths,
    private readonly logger: Logger,
  ) {}

  /** Starts the server on a free port; returns the port once it accepts connections. */
  async start(password: string): Promise<number> {
    this.password = password;
    for (let attempt = 1; ; attempt++) {
      const port = await freePort(HOST);
      const child = this.spawn(port);
      this.child = child;
      if (await this.waitUntilReady(child, port)) {
        this.port = port;
        return port;
      }
      const output = readFileSync(this.paths.log, 'utf8');
      this.child = undefined;
      if (/could not bind|Address already in use/.test(output) && attempt < 3) {
        continue;
      }
      const hint = /lock file .* already exists/.test(output)
        ? ' Another PostgreSQL is running on this data directory: stop it, or set DATA_DIR to another directory.'
        : '';
      throw new EmbeddedDatabaseError(
        `The embedded PostgreSQL did not start.${hint} Its log (${this.paths.log}):\n${output.trim().split('\n').slice(-15).join('\n')}`,
      );
    }
  }

  async ensureDatabase(database: string): Promise<void> {
    const client = this.client();
    await client.connect();
    try {
      const { rowCount } = await client.query(
        'SELECT 1 FROM pg_database WHERE datname = $1',
        [database],
      );
      if (!rowCount) {
        await client.query(`CREATE DATABASE ${database}`);
      }
    } finally {
      await client.end();
    }
  }

  /** A fast shutdown, escalated to an immediate one if it takes too long. */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    this.child = undefined;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // SIGINT is PostgreSQL's "fast" shutdown: open sessions are rolled back and
    // the server checkpoints, so the next start needs no recovery.
    child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), STOP_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (!stopped) {
      this.logger.warn('Embedded PostgreSQL did not stop in time: killing it');
      child.kill('SIGQUIT');
      await exited;
    }
  }

  /** Starts a fast shutdown without waiting: for signals and exits outside Nest's hooks. */
  stopNow(): void {
    const pid = this.child?.pid;
    if (pid && isRunning(pid)) {
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // Already gone.
      }
    }
  }

  private spawn(port: number): ChildProcess {
    const log = openSync(this.paths.log, 'w');
    let child: ChildProcess;
    try {
      child = spawn(
        this.binaries.postgres,
        [
          '-D',
          this.paths.pgdata,
          '-p',
          String(port),
          '-c',
          `listen_addresses=${HOST}`,
          '-c',
          'unix_socket_directories=',
        ],
        {
          ...this.account,
          detached: true,
          env: { ...process.env, LC_MESSAGES: 'C' },
          stdio: ['ignore', log, log],
        },
      );
    } finally {
      closeSync(log);
    }
    child.on('error', () => undefined);
    child.once('exit', (code, signal) => {
      if (!this.stopping && this.child === child) {
        this.logger.error(
          `Embedded PostgreSQL exited unexpectedly (${signal ?? `exit code ${code}`}); see ${this.paths.log}`,
        );
      }
    });
    return child;
  }

  /** True once the server accepts connections; false when it exits first. */
  private async waitUntilReady(
    child: ChildProcess,
    port: number,
  ): Promise<boolean> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (child.exitCode === null && child.signalCode === null) {
      const client = this.client(port);
      try {
        await client.connect();
        await client.end();
        return true;
      } catch {
        await client.end().catch(() => undefined);
      }
      if (Date.now() > deadline) {
        child.kill('SIGQUIT');
        throw new EmbeddedDatabaseError(
          `The embedded PostgreSQL did not accept connections within ${READY_TIMEOUT_MS / 1000} s`,
        );
      }
      await delay(100);
    }
    return false;
  }

  private client(port = this.port): Client {
    const client = new Client({
      host: HOST,
      port,
      user: SUPERUSER,
      password: this.password,
      database: 'postgres',
      connectionTimeoutMillis: 2_000,
    });
    client.on('error', () => undefined);
    return client;
  }
}
