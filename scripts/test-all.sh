#!/usr/bin/env bash
# `npm test`: everything a fresh machine needs for the tests, then every test.
# Installs what is missing (node modules; Debian's postgresql, chromium and docker.io), starts
# PostgreSQL and the Docker engine, builds the local tenant images, type-checks, lints, builds the portal,
# runs the vitest projects (unit, db-postgres, db-embedded, docker, e2e),
# and ends with one summary line. Extra arguments go to vitest (e.g. `npm test -- --project unit`).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== installing node modules"
  # npm install, not npm ci: the lock file npm writes here leaves out optional platform packages
  # (rollup's, esbuild's) and npm ci then refuses it as "out of sync".
  npm install --no-audit --no-fund
fi

echo "== PostgreSQL"
if [ -z "${TEST_POSTGRES_URL:-}" ]; then
  TEST_POSTGRES_URL=$(bash scripts/ensure-postgres.sh | tail -n 1)
fi
export TEST_POSTGRES_URL
echo "tests use $(echo "$TEST_POSTGRES_URL" | sed -E 's#//([^:]*):[^@]*@#//\1:***@#')"

echo "== Chromium"
if [ -z "${CHROMIUM_PATH:-}" ]; then
  CHROMIUM_PATH=$(bash scripts/ensure-chromium.sh | tail -n 1)
fi
export CHROMIUM_PATH
echo "browser tests use $CHROMIUM_PATH"

echo "== Docker engine and local images"
# No image registry is reachable here: the tenant images are built locally (debootstrap, about a
# minute the first time; skipped when they exist).
bash scripts/docker/ensure-engine.sh
bash scripts/docker/build-images.sh

echo "== type check"
npx tsc --noEmit

echo "== lint (the walls of docs/architecture.md and a few bug rules; eslint.config.js)"
npm run --silent lint

echo "== build"
npx remix build

echo "== tests"
rm -f test-results/vitest.json
set +e
npx vitest run --config tests/vitest.config.ts "$@"
status=$?
set -e
node scripts/print-test-summary.mjs test-results/vitest.json || status=1
exit $status
