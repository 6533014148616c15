// The development SECRET_KEY: generated once into DATA_DIR/secret-key, then reused.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataDirectory } from './configuration';
import { HMAC_ALGORITHMS } from './jwt-algorithms';

/** NODE_ENV values (unset included) under which a missing SECRET_KEY is generated. */
const DEVELOPMENT_ENVIRONMENTS = new Set([
  undefined,
  '',
  'development',
  'test',
]);

function readSecret(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function developmentSecret(dataDir: string): string {
  const file = join(dataDir, 'secret-key');
  const existing = readSecret(file);
  if (existing) {
    return existing;
  }
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
  } catch (error) {
    // A second process starting at the same moment wrote it first: use that one.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  }
  return readSecret(file)!;
}

/**
 * The environment with SECRET_KEY filled in outside production, for HS* tokens (the
 * other algorithms verify with a public key), so tokens minted with `npm run token`
 * keep working across restarts. The start path (`main.ts`) and the token script call
 * this before `buildConfiguration`, which itself never writes.
 */
export function withDevelopmentSecret(
  env: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  if (
    env.SECRET_KEY ||
    !DEVELOPMENT_ENVIRONMENTS.has(env.NODE_ENV) ||
    !(HMAC_ALGORITHMS as readonly string[]).includes(env.ALGORITHM || 'HS256')
  ) {
    return env;
  }
  return { ...env, SECRET_KEY: developmentSecret(dataDirectory(env.DATA_DIR)) };
}
