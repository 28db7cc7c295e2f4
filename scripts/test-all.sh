#!/usr/bin/env bash
# `npm test`: everything a fresh machine needs for the tests, then every test.
# Installs what is missing (node modules; Debian's postgresql, chromium, caddy, pebble and docker.io), starts
# PostgreSQL and the Docker engine, builds the local tenant images, type-checks, lints, builds the portal,
# runs the vitest projects (docker beside unit, db-postgres, db-embedded and e2e),
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

echo "== Caddy"
if [ -z "${CADDY_PATH:-}" ]; then
  CADDY_PATH=$(bash scripts/ensure-caddy.sh | tail -n 1)
fi
export CADDY_PATH
echo "reverse-proxy tests use $CADDY_PATH"
[ -n "${DNSMASQ_PATH:-}" ] || DNSMASQ_PATH=$(bash scripts/ensure-dnsmasq.sh | tail -n 1); export DNSMASQ_PATH   # custom-domain tests

echo "== Pebble (a local ACME test CA)"
if [ -z "${PEBBLE_PATH:-}" ]; then
  PEBBLE_PATH=$(bash scripts/ensure-pebble.sh | tail -n 1)
fi
export PEBBLE_PATH
echo "certificate tests use $PEBBLE_PATH"

echo "== Test ports"
# The tests publish tenants and servers on 20000-48999 (a half per lane, then ranges named by the
# tests). The kernel picks ephemeral ports (every outgoing connection, every listen on port 0) from
# ip_local_port_range, 32768-60999 by default: one landing in a test's range made that test fail now
# and then. The ephemeral range is moved above the test ports (this network namespace, until the next
# reboot; root only). Not by reserving the test ports inside it: the kernel then scans from a random
# start to the next unreserved port, so nearly every pick was 49000, 49001… and two tests got the same.
range_file=/proc/sys/net/ipv4/ip_local_port_range
read -r low high <"$range_file" 2>/dev/null || low=0
if [ "${low:-0}" -ge 49000 ]; then
  echo "ephemeral ports are already above the test ports ($low-$high)"
elif echo "49000 60999" >"$range_file" 2>/dev/null; then
  echo "ephemeral ports moved to 49000-60999, above the test ports ($range_file)"
else
  echo "could not move the ephemeral ports above 48999 (not root?): a test may now and then find a port of its range taken"
fi

echo "== Docker engine and local images"
# No image registry is reachable here: the tenant images are built locally (debootstrap, about a
# minute the first time; skipped when they exist).
bash scripts/docker/ensure-engine.sh
bash scripts/docker/build-images.sh
portal_image=
if [ $# -eq 0 ]; then
  # The production image (Dockerfile) that tests/docker/compose-deployment.test.ts runs takes two
  # minutes or more to build: built in the background from here, beside the type check, the lint and
  # the build (one CPU each), off the Docker lane's path; the test's own build-images.sh call waits
  # for this one (a lock) and then finds the image made.
  mkdir -p test-results
  bash scripts/docker/build-images.sh --only node --only portal >test-results/portal-image.log 2>&1 &
  portal_image=$!
fi

echo "== type check, and lint beside it (the walls of docs/architecture.md and a few bug rules; eslint.config.js)"
mkdir -p test-results
npm run --silent lint >test-results/lint.log 2>&1 &
lint=$!
checks=0
npx tsc --noEmit || checks=1
wait $lint || checks=1
cat test-results/lint.log
[ $checks -eq 0 ] || { echo "the type check or the lint failed (above): nothing was tested"; exit 1; }

echo "== build"
npm run --silent build   # the Remix build, and the server, worker and commands compiled to dist/

echo "== tests"
rm -f test-results/*.json test-results/lane-*.log
mkdir -p test-results
set +e
if [ $# -gt 0 ]; then
  # A chosen part (e.g. `npm test -- --project unit`): one vitest run, as asked.
  npx vitest run --config tests/vitest.config.ts "$@"
  status=$?
  reports=(test-results/vitest.json)
else
  # Everything, in two lanes at once: the Docker engine's tests (one file at a time, they wait on
  # containers) beside the unit, database and end-to-end tests. Each lane has its own report and its
  # own half of the test port blocks (tests/support/tenant-engine.ts); the second lane's output is
  # printed when it ends, the summary counts both.
  TEST_REPORT_NAME=lane-rest TEST_PORT_LANE=rest npx vitest run --config tests/vitest.config.ts \
    --project unit --project db-postgres --project db-embedded --project e2e >test-results/lane-rest.log 2>&1 &
  rest=$!
  TEST_REPORT_NAME=lane-docker TEST_PORT_LANE=docker npx vitest run --config tests/vitest.config.ts --project docker
  status=$?
  wait $rest
  rest_status=$?
  wait "$portal_image" || echo "(the background build of the portal image failed: test-results/portal-image.log)"
  echo "== unit, database and end-to-end tests (ran beside the Docker tests)"
  cat test-results/lane-rest.log
  [ $rest_status -eq 0 ] || status=$rest_status
  reports=(test-results/lane-docker.json test-results/lane-rest.json)
fi
set -e
node scripts/print-test-summary.mjs "${reports[@]}" || status=1
exit $status
