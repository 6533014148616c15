'use strict';
// `npm start`: compiles when the sources changed since the last build (or there is
// none yet), then runs the service in this same process, so signals reach it directly.
const { join } = require('node:path');
const { buildIfStale } = require('./build-if-stale');

let status;
try {
  status = buildIfStale();
} catch {
  console.error(
    'dist/ is missing or older than src/, and the Nest CLI is not installed: run `npm ci` (with dev dependencies) or `npm run build` first.',
  );
  process.exit(1);
}
if (status !== 0) {
  process.exit(status);
}

require(join(__dirname, '..', 'dist', 'main.js'));
