// Which external programs a group of tests needs; a missing one fails the group, never skips it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

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

/** Debian's Chromium (scripts/test-programs.sh); browsers are never downloaded. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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

/**
 * `describe(name, body)` when every requirement is met; otherwise the suite fails, naming
 * what to install. Nothing is skipped: `npm test` installs the programs first
 * (scripts/test-programs.sh), so a missing one means the tests ran some other way.
 */
export function describeWith(
  requirements: Requirement[],
  name: string,
  body: () => void,
): void {
  const packages = missingPackages(requirements);
  if (packages.length > 0) {
    throw new Error(
      `"${name}" needs ${packages.join(' and ')}, which this machine lacks: run the tests with npm test (it installs them), or apt-get install ${packages.join(' ')}`,
    );
  }
  describe(name, body);
}
