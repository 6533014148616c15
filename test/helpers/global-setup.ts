// Jest global setup of the e2e suites: finds or starts their PostgreSQL and Redis.
import { provideTestServices, type TestServices } from './test-services';

declare global {
  var testServices: { services: TestServices } | undefined;
}

export default async function globalSetup(): Promise<void> {
  const services = await provideTestServices();
  // Read by the suites (Jest copies process.env into each test environment).
  process.env.TEST_POSTGRES_URL = services.postgresUrl;
  process.env.TEST_REDIS_URL = services.redisUrl;
  globalThis.testServices = { services };
  if (services.description.some((line) => line.includes('started'))) {
    console.log(`\n${services.description.join('\n')}`);
  }
}
