'use strict';
// Is dist/ older than what it is built from? Then `nest build` it. Shared by `npm start`
// (scripts/start.js), the bench and the e2e suites that spawn `node dist/main.js`.
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'];
// Specs are not compiled, and `tsc --noEmit` still rewrites dist/*.tsbuildinfo.
const SAYS_NOTHING_ABOUT_THE_BUILD = /\.(spec\.ts|tsbuildinfo)$/;

function newestChange(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) {
    return SAYS_NOTHING_ABOUT_THE_BUILD.test(path) ? 0 : stat.mtimeMs;
  }
  return readdirSync(path).reduce(
    (newest, name) => Math.max(newest, newestChange(join(path, name))),
    0,
  );
}

/** True when dist/ is missing or a source changed after the newest output was written. */
function distIsStale() {
  if (!existsSync(join(DIST, 'main.js'))) {
    return true;
  }
  // Incremental builds only rewrite what changed, so the newest output marks the build.
  const built = newestChange(DIST);
  return INPUTS.some(
    (input) =>
      existsSync(join(ROOT, input)) && newestChange(join(ROOT, input)) > built,
  );
}

/**
 * Builds dist/ when it is stale. Returns the build's exit status (0 when nothing was to
 * do); throws when the Nest CLI is not installed.
 */
function buildIfStale(log = console.log) {
  if (!distIsStale()) {
    return 0;
  }
  const nest = require.resolve('@nestjs/cli/bin/nest.js', { paths: [ROOT] });
  log('Compiling (src/ changed since the last build)...');
  return (
    spawnSync(process.execPath, [nest, 'build'], { cwd: ROOT, stdio: 'inherit' })
      .status ?? 1
  );
}

/** buildIfStale for scripts and tests: a failed build is an error. */
function ensureBuilt(log = console.log) {
  if (buildIfStale(log) !== 0) {
    throw new Error('nest build failed');
  }
}

module.exports = { distIsStale, buildIfStale, ensureBuilt };
