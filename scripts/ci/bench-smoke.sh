#!/usr/bin/env bash
# Optional CI smoke test of `npm run bench`: every scenario for 2 s on a small data set,
# report printed, docs/ untouched. Needs the local PostgreSQL and Redis the e2e tests use.
# Uses wrk when installed (apt-get install -y wrk), autocannon from npm otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run bench -- --users 2000 --miss-users 30000 --duration 2 --warmup 1 --no-write
