#!/usr/bin/env bash
# Proves `nest g resource` drops a feature into this project that lints, builds and
# passes its unit tests with no manual edits: generates one in a throwaway copy of the
# tracked files (reusing this checkout's node_modules) and runs the checks there.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
name="${1:-widgets}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$repo"
git ls-files -z --cached --others --exclude-standard -- . ':!node_modules' |
  xargs -0 -I{} cp --parents {} "$work"/ 2>/dev/null || true
ln -s "$repo/node_modules" "$work/node_modules"

cd "$work"
echo "check-generator: nest g resource $name in $work"
npx nest g resource "$name" --type rest --crud
echo "check-generator: generated files:"
find "src/$name" -type f | sort
grep -n "${name^}Module" src/app.module.ts
# House layout: the entity sits flat in the feature folder, like session.entity.ts.
test ! -e "src/$name/entities"
ls "src/$name"/*.entity.ts

echo "check-generator: lint"
npx eslint "{src,test,scripts,bench}/**/*.ts" ormconfig.ts

echo "check-generator: build"
npx nest build
test -f "dist/$name/$name.module.js"
echo "check-generator: unit tests"
npx jest --selectProjects unit --ci
echo "check-generator: OK"
