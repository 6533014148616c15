import {
  existsSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDevelopmentSecret } from './development-secret';

describe('withDevelopmentSecret', () => {
  const dataDir = () =>
    join(mkdtempSync(join(tmpdir(), 'secret-spec-')), 'data');

  it('generates a secret once, owner-only, and gives the same one on every later start', () => {
    const dir = dataDir();
    const first = withDevelopmentSecret({ DATA_DIR: dir }).SECRET_KEY;
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(withDevelopmentSecret({ DATA_DIR: dir }).SECRET_KEY).toBe(first);
    const file = join(dir, 'secret-key');
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('reads a secret already in the data directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secret-spec-'));
    writeFileSync(join(dir, 'secret-key'), 'kept-from-before\n');
    expect(
      withDevelopmentSecret({ NODE_ENV: 'test', DATA_DIR: dir }).SECRET_KEY,
    ).toBe('kept-from-before');
  });

  it.each([
    ['a SECRET_KEY is set', { SECRET_KEY: 'configured' }],
    ['NODE_ENV=production', { NODE_ENV: 'production' }],
    ['NODE_ENV is not a known value', { NODE_ENV: 'prod' }],
    ['tokens are verified with a public key', { ALGORITHM: 'RS256' }],
  ])(
    'leaves the environment alone and writes nothing when %s',
    (_case, env: NodeJS.ProcessEnv) => {
      const dir = dataDir();
      const given = { ...env, DATA_DIR: dir };
      expect(withDevelopmentSecret(given)).toBe(given);
      expect(existsSync(dir)).toBe(false);
    },
  );
});
