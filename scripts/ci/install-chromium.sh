#!/usr/bin/env bash
# The Swagger UI browser test (test/swagger-ui.e2e-spec.ts) drives Debian's Chromium
# through playwright-core; browsers are never downloaded. Installs it when it is absent.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "install-chromium: $(/usr/bin/chromium --version)"
  exit 0
fi
sudo_if_needed=""
if [ "$(id -u)" -ne 0 ]; then
  sudo_if_needed="sudo"
fi
$sudo_if_needed apt-get update
DEBIAN_FRONTEND=noninteractive $sudo_if_needed apt-get install -y --no-install-recommends chromium
echo "install-chromium: $(/usr/bin/chromium --version)"
