import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirectoryLock } from './data-directory-lock';

describe('DataDirectoryLock', () => {
  let dataDir: string;
  const lockFile = () => join(dataDir, 'service.pid');

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'lock-spec-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('records this process and removes the file on release', () => {
    const lock = DataDirectoryLock.acquire(dataDir);
    expect(readFileSync(lockFile(), 'utf8').split('\n')[0]).toBe(
      String(process.pid),
    );
    lock.release();
    expect(existsSync(lockFile())).toBe(false);
  });

  it('refuses while another live process holds it, naming the pid and the directory', () => {
    writeFileSync(lockFile(), `${process.ppid}\n\n`);
    expect(() => DataDirectoryLock.acquire(dataDir)).toThrow(
      `Another copy of the service (pid ${process.ppid}) is already running on the data directory ${dataDir}`,
    );
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.ppid}\n\n`);
  });

  it('takes over a lock whose owner has exited', () => {
    const { pid } = spawnSync(process.execPath, ['-e', '']);
    writeFileSync(lockFile(), `${pid}\n\n`);
    DataDirectoryLock.acquire(dataDir).release();
    expect(existsSync(lockFile())).toBe(false);
  });

  it('takes over a lock whose pid now belongs to a process started later', () => {
    writeFileSync(lockFile(), `${process.ppid}\n1\n`);
    const lock = DataDirectoryLock.acquire(dataDir);
    expect(readFileSync(lockFile(), 'utf8').split('\n')[0]).toBe(
      String(process.pid),
    );
    lock.release();
  });
});
