// Jest global teardown of the e2e suites: stops what the setup started, then prints the
// one line that lists the test groups skipped for a missing program.
import { rmSync } from 'node:fs';
import { skipSummary } from './requirements';

export default async function globalTeardown(): Promise<void> {
  const started = globalThis.testServices;
  if (!started) {
    return;
  }
  globalThis.testServices = undefined;
  try {
    const summary = skipSummary(process.env.TEST_SKIPS_FILE!);
    if (summary) {
      console.log(`\n${summary}`);
    }
  } finally {
    rmSync(started.runDir, { recursive: true, force: true });
    await started.services.stop();
  }
}
