// Jest global teardown of the e2e suites: stops what the setup started.

export default async function globalTeardown(): Promise<void> {
  const started = globalThis.testServices;
  if (!started) {
    return;
  }
  globalThis.testServices = undefined;
  await started.services.stop();
}
