'use strict';
// `npm start`: compiles when the sources changed since the last build (or there is
// none yet), then runs the service in this same process, so signals reach it directly.
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const entry = join(root, 'dist', 'main.js');
const inputs = ['src', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'];

function newestChange(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) {
    return path.endsWith('.spec.ts') ? 0 : stat.mtimeMs;
  }
  return readdirSync(path).reduce(
    (newest, name) => Math.max(newest, newestChange(join(path, name))),
    stat.mtimeMs,
  );
}

function needsBuild() {
  if (!existsSync(entry)) {
    return true;
  }
  // Incremental builds only rewrite what changed, so the newest output marks the build.
  const built = newestChange(join(root, 'dist'));
  return inputs.some(
    (input) =>
      existsSync(join(root, input)) && newestChange(join(root, input)) > built,
  );
}

if (needsBuild()) {
  let nest;
  try {
    nest = require.resolve('@nestjs/cli/bin/nest.js', { paths: [root] });
  } catch {
    console.error(
      'dist/ is missing or older than src/, and the Nest CLI is not installed: run `npm ci` (with dev dependencies) or `npm run build` first.',
    );
    process.exit(1);
  }
  console.log('Compiling (src/ changed since the last build)...');
  const build = spawnSync(process.execPath, [nest, 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) {
    process.exit(build.status ?? 1);
  }
}

require(entry);
