import { config as loadDotEnv } from 'dotenv';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { signToken, signTokenWithKey } from '../src/auth/sign-token';
import { MAX_USER_ID } from '../src/auth/user-id';
import {
  ASYMMETRIC_ALGORITHMS,
  type AsymmetricAlgorithm,
  buildConfiguration,
  isHmacAlgorithm,
  withDevelopmentSecret,
} from '../src/config';

loadDotEnv({ quiet: true });

const USAGE = `usage: npm run token -- <user_id 1..${MAX_USER_ID}> [hours, default 24] [--key <private-key.pem> [--alg ${ASYMMETRIC_ALGORITHMS.join('|')}] [--kid <key id>]]`;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function parseArguments() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        key: { type: 'string' },
        alg: { type: 'string' },
        kid: { type: 'string' },
      },
    });
  } catch (error) {
    return fail(`${(error as Error).message}\n${USAGE}`);
  }
}

const { values, positionals } = parseArguments();
const [userIdArgument = '1', hoursArgument = '24'] = positionals;
const userId = Number(userIdArgument);
const hours = Number(hoursArgument);
if (
  !Number.isInteger(userId) ||
  userId < 1 ||
  userId > MAX_USER_ID ||
  !Number.isFinite(hours) ||
  positionals.length > 2
) {
  fail(USAGE);
}
const payload = {
  sub: String(userId),
  exp: Math.floor(Date.now() / 1000) + Math.round(hours * 3600),
};

/** HS* with the configured SECRET_KEY, or, given `--key`, with that private key. */
function sign(): string | Promise<string> {
  if (values.key === undefined) {
    if (values.alg !== undefined || values.kid !== undefined) {
      fail(`--alg and --kid go with --key\n${USAGE}`);
    }
    const { jwt } = buildConfiguration(withDevelopmentSecret(process.env));
    if (jwt.secret === undefined || !isHmacAlgorithm(jwt.algorithm)) {
      return fail(
        `ALGORITHM=${jwt.algorithm} tokens are signed with a private key: pass --key <private-key.pem>`,
      );
    }
    return signToken(payload, jwt.secret, jwt.algorithm);
  }
  const algorithm = values.alg ?? process.env.ALGORITHM;
  if (!(ASYMMETRIC_ALGORITHMS as readonly unknown[]).includes(algorithm)) {
    fail(
      `--key signs with one of ${ASYMMETRIC_ALGORITHMS.join(', ')}: set ALGORITHM or pass --alg (got ${algorithm ?? 'neither'})`,
    );
  }
  return signTokenWithKey(
    payload,
    createPrivateKey(readFileSync(values.key)),
    algorithm as AsymmetricAlgorithm,
    values.kid,
  );
}

Promise.resolve()
  .then(sign)
  .then(
    (token) => console.log(token),
    (error: Error) => fail(`cannot sign: ${error.message}`),
  );
