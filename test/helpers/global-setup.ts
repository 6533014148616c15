// Jest global setup of the e2e suites: finds or starts their PostgreSQL and Redis.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provideTestServices, type TestServices } from './test-services';

declare global {
  var testServices: { services: TestServices; runDir: string } | undefined;
}

export default async function globalSetup(): Promise<void> {
  const services = await provideTestServices();
  const runDir = mkdtempSync(join(tmpdir(), 'session-test-run-'));
  // Read by the suites (Jest copies process.env into each test environment).
  process.env.TEST_POSTGRES_URL = services.postgresUrl;
  process.env.TEST_REDIS_URL = services.redisUrl;
  process.env.TEST_SKIPS_FILE = join(runDir, 'skipped.jsonl');
  globalThis.testServices = { services, runDir };
  if (services.description.some((line) => line.includes('started'))) {
    console.log(`\n${services.description.join('\n')}`);
  }
}
