// Which external programs a group of tests needs, and what happens when one is missing:
// skipped (and listed once at the end) on a developer's machine, a failure in CI.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

/**
 * `redis`: a Redis to connect to (TEST_REDIS_URL, the one on 6379, or a private
 * redis-server the global setup started); `redis-server`/`redis-cli`: the programs, for
 * suites that start, freeze and kill their own; `chromium`: the Swagger UI browser test.
 */
export type Requirement = 'redis' | 'redis-server' | 'redis-cli' | 'chromium';

/** What to install (Debian package) for each requirement. */
const PACKAGE: Record<Requirement, string> = {
  redis: 'redis-server',
  'redis-server': 'redis-server',
  'redis-cli': 'redis-server',
  chromium: 'chromium',
};

/** Debian's Chromium (scripts/ci/install-chromium.sh); browsers are never downloaded. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const inCi = () => ['true', '1'].includes(process.env.CI ?? '');

/** True when `program` is on PATH. */
export function onPath(program: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function isAvailable(requirement: Requirement): boolean {
  switch (requirement) {
    case 'redis':
      return Boolean(process.env.TEST_REDIS_URL);
    case 'chromium':
      return existsSync(CHROMIUM_PATH);
    default:
      return onPath(requirement);
  }
}

/** The Debian packages that would provide what `requirements` lack on this machine. */
export function missingPackages(requirements: Requirement[]): string[] {
  return [
    ...new Set(
      requirements
        .filter((requirement) => !isAvailable(requirement))
        .map((requirement) => PACKAGE[requirement]),
    ),
  ];
}

interface SkipRecord {
  group: string;
  packages: string[];
}

/**
 * `describe(name, body)` when every requirement is met. Otherwise, on a developer's
 * machine, the group is skipped and recorded for the one summary line the global
 * teardown prints; with CI=true the suite fails, naming what to install.
 */
export function describeWith(
  requirements: Requirement[],
  name: string,
  body: () => void,
): void {
  const packages = missingPackages(requirements);
  if (packages.length === 0) {
    describe(name, body);
    return;
  }
  if (inCi()) {
    throw new Error(
      `"${name}" needs ${packages.join(' and ')}, which this machine lacks; CI must install ${packages.length > 1 ? 'them' : 'it'} (scripts/ci/), so it is a failure, not a skip`,
    );
  }
  const record: SkipRecord = { group: name, packages };
  if (process.env.TEST_SKIPS_FILE) {
    appendFileSync(process.env.TEST_SKIPS_FILE, `${JSON.stringify(record)}\n`);
  }
  describe.skip(`${name} (needs ${packages.join(' and ')})`, body);
}

/** The one line that says what was skipped and what to install; undefined when nothing was. */
export function skipSummary(skipsFile: string): string | undefined {
  if (!existsSync(skipsFile)) {
    return undefined;
  }
  const records = readFileSync(skipsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SkipRecord);
  if (records.length === 0) {
    return undefined;
  }
  const packages = [...new Set(records.flatMap((record) => record.packages))];
  return (
    `Skipped ${records.length} test group(s) that need ${packages.join(' and ')}: ` +
    `install ${packages.length > 1 ? 'them' : 'it'} (apt-get install ${packages.join(' ')}) to run everything; ` +
    `with CI=true they fail instead. Skipped: ${records.map((record) => record.group).join('; ')}.`
  );
}
