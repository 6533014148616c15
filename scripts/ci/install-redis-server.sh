#!/bin/sh
# The Redis and history fault suites start private redis-server processes (never the shared
# Redis) so they can SIGSTOP, kill and restart them: the binary must be on PATH.
set -eu
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends redis-server
