// Provides a PostgreSQL and a Redis for a CI step, as the e2e suites' global setup does:
// the ones on 5432/6379 when they answer, else its own. Writes `export NAME=value` lines
// to the file given, then runs until SIGTERM or SIGINT, when it stops what it started.
import { writeFileSync } from 'node:fs';
import { provideTestServices } from '../../test/helpers/test-services';

async function main(envFile: string): Promise<void> {
  const services = await provideTestServices();
  let stopping = false;
  const stop = async () => {
    if (stopping) {
      return;
    }
    stopping = true;
    await services.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  for (const line of services.description) {
    console.log(`test-services: ${line}`);
  }
  writeFileSync(
    envFile,
    `export TEST_POSTGRES_URL='${services.postgresUrl}'\nexport TEST_REDIS_URL='${services.redisUrl}'\n`,
  );
  // Stay up until told to stop, or until the step that started it is gone.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) {
      void stop();
    }
  }, 1_000);
}

const envFile = process.argv[2];
if (!envFile) {
  console.error('usage: test-services.ts <file for the export lines>');
  process.exit(2);
}
main(envFile).catch((error: Error) => {
  console.error(`test-services: ${error.message}`);
  process.exit(1);
});
