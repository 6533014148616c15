import { config as loadDotEnv } from 'dotenv';
import { signToken } from '../src/auth/sign-token';
import { MAX_USER_ID } from '../src/auth/user-id';
import { buildConfiguration } from '../src/config';

loadDotEnv({ quiet: true });

const [userIdArgument = '1', hoursArgument = '24'] = process.argv.slice(2);
const userId = Number(userIdArgument);
const hours = Number(hoursArgument);
if (!Number.isInteger(userId) || userId < 1 || userId > MAX_USER_ID) {
  console.error(
    `usage: npm run token -- <user_id 1..${MAX_USER_ID}> [hours, default 24]`,
  );
  process.exit(2);
}

const { jwt } = buildConfiguration(process.env);
const exp = Math.floor(Date.now() / 1000) + Math.round(hours * 3600);
console.log(signToken({ sub: String(userId), exp }, jwt.secret, jwt.algorithm));
