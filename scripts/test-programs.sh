#!/bin/sh
# Run before the e2e suites (npm test, npm run test:e2e, .ci/run): the programs some of them
# need besides Node.js, installed from Debian's packages when absent, so every test runs.
# redis-server and redis-cli: the fault, cluster and history suites start, freeze and kill
# private servers (never the shared Redis). Chromium: the Swagger UI browser test drives
# Debian's build through playwright-core; a browser is never downloaded.
set -eu

missing=""
command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 ||
  missing="redis-server"
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing="$missing chromium"
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1; then
  as_root="sudo"
else
  as_root="none"
fi
if ! command -v apt-get >/dev/null 2>&1 || [ "$as_root" = none ]; then
  echo "The tests need$missing (Debian/Ubuntu: apt-get install$missing; macOS: brew install redis chromium, with CHROMIUM_PATH set). Install, then run them again." >&2
  exit 1
fi
echo "Installing what the tests need:$missing (Debian packages)"
$as_root apt-get update -qq
# shellcheck disable=SC2086 # one word per package
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends $missing
