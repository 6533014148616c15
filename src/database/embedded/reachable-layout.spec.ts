import { Logger } from '@nestjs/common';
import {
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Account } from './postgres-account';
import { binariesIn } from './postgres-binaries';
import { reachableLayout } from './reachable-layout';

describe('reachableLayout', () => {
  const account: Account = { uid: 101, gid: 104 };
  const logger = new Logger('spec');
  let root: string;
  let sharedRoot: string;
  let closed: string;
  let binaries: ReturnType<typeof binariesIn>;
  /** The postgres user reaches everything outside `closed` (a 0700 home). */
  const reach = (_account: Account, path: string) => !path.startsWith(closed);
  const layout = (
    dataDir: string,
    runAs: { account: Account | undefined } = { account },
  ) =>
    reachableLayout({ dataDir, binaries, sharedRoot, reach, ...runAs }, logger);

  beforeEach(() => {
    jest.spyOn(logger, 'log').mockImplementation(() => undefined);
    root = mkdtempSync(join(tmpdir(), 'layout-spec-'));
    sharedRoot = join(root, 'var-lib');
    closed = join(root, 'home');
    const native = join(closed, 'app', 'node_modules', 'native');
    mkdirSync(join(native, 'bin'), { recursive: true });
    mkdirSync(join(native, 'lib'));
    writeFileSync(join(native, 'bin', 'postgres'), '', { mode: 0o755 });
    writeFileSync(join(native, 'lib', 'libpq.so.5.17'), '');
    symlinkSync('libpq.so.5.17', join(native, 'lib', 'libpq.so.5'));
    binaries = binariesIn(native, '17.0.0');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('keeps everything in place when the server runs as the service’s own user', () => {
    const dataDir = join(closed, 'app', 'data');
    expect(layout(dataDir, { account: undefined })).toEqual({
      home: dataDir,
      binaries,
    });
  });

  it('keeps everything in place when the postgres user reaches it', () => {
    const dataDir = join(root, 'open', 'data');
    mkdirSync(dataDir, { recursive: true });
    binaries = binariesIn(dataDir, '17.0.0');
    expect(layout(dataDir)).toEqual({ home: dataDir, binaries });
  });

  it('moves the cluster of an unreachable DATA_DIR to a stable directory named after it', () => {
    const dataDir = join(closed, 'app', 'data');
    mkdirSync(dataDir, { recursive: true });
    const { home } = layout(dataDir);

    expect(home).toMatch(new RegExp(`^${sharedRoot}/app-data-[0-9a-f]{12}$`));
    expect(statSync(home).mode & 0o777).toBe(0o755);
    expect(layout(dataDir).home).toBe(home);
    const other = join(closed, 'other', 'data');
    mkdirSync(other, { recursive: true });
    expect(layout(other).home).not.toBe(home);
  });

  it('runs unreachable binaries from a copy named after their version, made once', () => {
    const { binaries: copy } = layout(join(root, 'open'));

    expect(copy.root).toBe(
      join(sharedRoot, `postgresql-17.0.0-${process.platform}-${process.arch}`),
    );
    expect(copy.postgres).toBe(join(copy.root, 'bin', 'postgres'));
    expect(statSync(copy.postgres).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(copy.root, 'lib', 'libpq.so.5'))).toBe(
      'libpq.so.5.17',
    );
    const copiedAt = statSync(copy.postgres).mtimeMs;
    rmSync(binaries.root, { recursive: true });
    expect(layout(join(root, 'open')).binaries).toEqual(copy);
    expect(statSync(copy.postgres).mtimeMs).toBe(copiedAt);
  });

  it('refuses to start afresh elsewhere when an unreachable DATA_DIR already holds a cluster', () => {
    const dataDir = join(closed, 'app', 'data');
    mkdirSync(join(dataDir, 'postgres'), { recursive: true });
    writeFileSync(join(dataDir, 'postgres', 'PG_VERSION'), '17\n');

    expect(() => layout(dataDir)).toThrow(
      `The embedded PostgreSQL in ${dataDir} is out of reach of the "postgres" user`,
    );
  });

  it('says so when the shared directory is out of reach too', () => {
    const dataDir = join(closed, 'app', 'data');
    mkdirSync(dataDir, { recursive: true });
    sharedRoot = join(closed, 'var-lib');

    expect(() => layout(dataDir)).toThrow(
      /which cannot reach .*var-lib\/app-data-[0-9a-f]{12} either/,
    );
  });
});
