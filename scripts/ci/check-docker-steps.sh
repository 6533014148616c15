#!/usr/bin/env bash
# Performs the Dockerfile's build steps in a clean copy of the tracked files (npm ci,
# build, npm prune --omit=dev), lays out the runtime stage (package.json, node_modules,
# dist), starts `node dist/main.js` from it as a non-root user against the local
# PostgreSQL (own database) and Redis (own key prefix), waits for /health/ready = 200,
# runs the image's HEALTHCHECK command, then stops it with SIGTERM. Fails on any error.
#
# PostgreSQL and Redis: CHECK_POSTGRES_URL (a server URL) and CHECK_REDIS_URL when set,
# otherwise the ones on 127.0.0.1:5432/6379 when they answer, otherwise started for the
# check by scripts/ci/test-services.ts (as the e2e suites start theirs).
# Env: CHECK_READY_TIMEOUT (s, default 90).
set -euo pipefail

repo=$(git -C "$(dirname "$0")/../.." rev-parse --show-toplevel)
postgres_server=${CHECK_POSTGRES_URL:-}
redis_url=${CHECK_REDIS_URL:-}
ready_timeout=${CHECK_READY_TIMEOUT:-90}
suffix=$(od -An -N5 -tx1 /dev/urandom | tr -d ' \n')
database="session_docker_check_test_${suffix}"
key_prefix="docker-check-test:${suffix}:"
work=$(mktemp -d /tmp/check-docker-steps.XXXXXX)
app_pid=""
services_pid=""

log() { printf '[check-docker-steps] %s\n' "$*"; }

pg_admin() {
  # pg from the pruned runtime (a production dependency), so no psql is needed.
  (cd "$work/runtime" && SQL="$1" SERVER="$postgres_server" node -e '
    const { Client } = require("pg");
    const client = new Client({ connectionString: process.env.SERVER });
    client.connect()
      .then(() => client.query(process.env.SQL))
      .then(() => client.end())
      .catch((error) => { console.error(error.message); process.exit(1); });')
}

cleanup() {
  local status=$?
  if [[ -n "$app_pid" ]] && kill -0 "$app_pid" 2>/dev/null; then
    kill -KILL "$app_pid" 2>/dev/null || true
  fi
  if [[ -d "$work/runtime/node_modules/pg" ]]; then
    pg_admin "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" || true
    (cd "$work/runtime" && PREFIX="$key_prefix" URL="$redis_url" node -e '
      const Redis = require("ioredis");
      const redis = new Redis(process.env.URL, { maxRetriesPerRequest: 1 });
      (async () => {
        let cursor = "0";
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", process.env.PREFIX + "*", "COUNT", 500);
          if (keys.length) await redis.del(...keys);
          cursor = next;
        } while (cursor !== "0");
      })().finally(() => redis.disconnect());') || true
  fi
  if [[ -n "$services_pid" ]]; then
    kill -TERM "$services_pid" 2>/dev/null || true
    wait "$services_pid" 2>/dev/null || true
  fi
  if [[ $status -ne 0 && -f "$work/app.log" ]]; then
    log "service output (last 40 lines):"
    tail -n 40 "$work/app.log" >&2 || true
  fi
  rm -rf "$work"
  if [[ $status -eq 0 ]]; then log "OK"; else log "FAILED ($status)"; fi
}
trap cleanup EXIT

if [[ -z "$postgres_server" || -z "$redis_url" ]]; then
  (cd "$repo" && exec node -r ts-node/register/transpile-only scripts/ci/test-services.ts "$work/services.env") &
  services_pid=$!
  for _ in $(seq 1 120); do
    [[ -s "$work/services.env" ]] && break
    kill -0 "$services_pid" 2>/dev/null || { log "could not provide PostgreSQL and Redis"; exit 1; }
    sleep 0.5
  done
  [[ -s "$work/services.env" ]] || { log "PostgreSQL and Redis were not ready within 60 s"; exit 1; }
  # shellcheck source=/dev/null
  source "$work/services.env"
  postgres_server=${postgres_server:-$TEST_POSTGRES_URL}
  redis_url=${redis_url:-$TEST_REDIS_URL}
  [[ -n "$redis_url" ]] || { log "no Redis: install redis-server (scripts/test-programs.sh)"; exit 1; }
fi

log "copying the tracked files of $repo to $work/src"
mkdir -p "$work/src"
(cd "$repo" && git ls-files -z --cached | xargs -0 cp --parents -t "$work/src" 2>/dev/null || true)
(cd "$repo" && git ls-files -z --cached | while IFS= read -r -d '' file; do
  [[ -e "$work/src/$file" || ! -e "$file" ]] || { echo "missing $file" >&2; exit 1; }
done)

log "build stage: npm ci, npm run build, npm prune --omit=dev"
cd "$work/src"
npm ci --prefer-offline --no-audit --no-fund --loglevel=error
npm run build --silent
npm prune --omit=dev --no-audit --no-fund --loglevel=error
[[ -f dist/main.js ]] || { log "dist/main.js was not built"; exit 1; }
ls dist/database/migrations/*.js >/dev/null
for dev_only in jest pino-pretty @nestjs/cli ts-jest; do
  if [[ -e "node_modules/$dev_only" ]]; then
    log "dev dependency $dev_only survived npm prune --omit=dev"
    exit 1
  fi
done

log "runtime stage: package.json, node_modules, dist"
mkdir -p "$work/runtime"
cp -a package.json node_modules dist "$work/runtime/"
chmod -R a+rX "$work"

pg_admin "CREATE DATABASE \"$database\""
database_url=$(SERVER="$postgres_server" DB="$database" node -e '
  const url = new URL(process.env.SERVER); url.pathname = "/" + process.env.DB; console.log(url.toString());')
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')

run_as=()
if [[ $(id -u) -eq 0 ]]; then
  # Like USER node in the image: never run the service as root.
  if id node >/dev/null 2>&1; then user=node; else user=nobody; fi
  run_as=(setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups --)
  log "starting node dist/main.js as $user on port $port"
else
  log "starting node dist/main.js as $(id -un) on port $port"
fi

cd "$work/runtime"
env -i PATH="$PATH" HOME=/tmp \
  NODE_ENV=production PORT="$port" DATABASE_URL="$database_url" \
  REDIS_URL="$redis_url" REDIS_KEY_PREFIX="$key_prefix" \
  SECRET_KEY="check-docker-steps-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" \
  LOG_LEVEL=info \
  "${run_as[@]}" node dist/main.js >"$work/app.log" 2>&1 &
app_pid=$!

deadline=$((SECONDS + ready_timeout))
until [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready" || true)" == 200 ]]; do
  if ! kill -0 "$app_pid" 2>/dev/null; then
    log "the service exited before it was ready"
    exit 1
  fi
  if ((SECONDS > deadline)); then
    log "/health/ready did not answer 200 within ${ready_timeout}s"
    exit 1
  fi
  sleep 1
done
log "/health/ready is 200: $(curl -s "http://127.0.0.1:$port/health/ready")"

healthcheck=$(grep -A1 '^HEALTHCHECK' "$repo/Dockerfile" | sed -n 's/^ *CMD \(\[.*\]\)$/\1/p')
[[ -n "$healthcheck" ]] || { log "no HEALTHCHECK CMD found in the Dockerfile"; exit 1; }
HC="$healthcheck" PORT="$port" node -e '
  const [command, ...args] = JSON.parse(process.env.HC);
  const result = require("child_process").spawnSync(command, args, { stdio: "inherit", env: process.env });
  process.exit(result.status ?? 1);'
log "the image HEALTHCHECK command succeeds"

grep -q '"msg":"request completed"' "$work/app.log" || { log "no JSON request log line"; exit 1; }
# Read the whole body first: `grep -q` closing the pipe early would fail curl under pipefail.
metrics=$(curl -sf "http://127.0.0.1:$port/metrics")
grep -q '^http_requests_total' <<<"$metrics" || { log "/metrics is missing"; exit 1; }

log "SIGTERM"
kill -TERM "$app_pid"
for _ in $(seq 1 30); do
  kill -0 "$app_pid" 2>/dev/null || break
  sleep 0.5
done
if kill -0 "$app_pid" 2>/dev/null; then
  log "the service did not stop within 15 s of SIGTERM"
  exit 1
fi
app_pid=""
