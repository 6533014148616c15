#!/usr/bin/env bash
# Optional CI smoke test of `npm run bench`: every default scenario, one round of 2 s per
# side on a small data set, the header check included, report printed, docs/ untouched.
# Needs the local PostgreSQL and Redis the e2e tests use, and wrk (installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v wrk >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends wrk
fi
npm run bench -- --users 2000 --miss-users 30000 --duration 2 --warmup 1 --rounds 1 --no-write
