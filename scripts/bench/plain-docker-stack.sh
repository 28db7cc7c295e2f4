#!/usr/bin/env bash
# The same tenant stack as Tenantry's demo template, created by hand with plain `docker`
# commands, as a baseline for the provisioning benchmark: network, volume, PostgreSQL (waited
# healthy), the app (waited until /health answers), the initial user inserted with psql.
# Usage: plain-docker-stack.sh SLUG PORT     prints the seconds it took, then removes the stack.
set -euo pipefail
# bcryptjs comes from the repository's node_modules.
export NODE_PATH="$(cd "$(dirname "$0")/../.." && pwd)/node_modules"
slug=$1
port=$2
pg_image=${TENANT_POSTGRES_IMAGE:-tenantry/postgres:15-local}
app_image=${TENANT_APP_IMAGE:-tenantry/demo-app:local}
password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
cleanup() {
  docker rm -f "$slug-app" "$slug-postgres" >/dev/null 2>&1 || true
  docker network rm "$slug-network" >/dev/null 2>&1 || true
  docker volume rm "$slug-postgres-data" >/dev/null 2>&1 || true
}
trap cleanup EXIT

start=$(date +%s.%N)
docker network create "$slug-network" >/dev/null
docker volume create "$slug-postgres-data" >/dev/null
# The password reaches the container through the environment of `docker run`, read from ours.
POSTGRES_PASSWORD=$password docker run -d --name "$slug-postgres" --network "$slug-network" \
  -e POSTGRES_USER=app -e POSTGRES_PASSWORD -e POSTGRES_DB=app \
  -v "$slug-postgres-data:/var/lib/postgresql/data" \
  --health-cmd "pg_isready -h 127.0.0.1 -U app -d app" --health-interval 1s "$pg_image" >/dev/null
until [ "$(docker inspect -f '{{.State.Health.Status}}' "$slug-postgres")" = healthy ]; do sleep 0.2; done
PGPASSWORD=$password docker run -d --name "$slug-app" --network "$slug-network" \
  -e PGHOST="$slug-postgres" -e PGUSER=app -e PGPASSWORD -e PGDATABASE=app -e APP_SECRET_KEY=bench \
  -p "127.0.0.1:$port:8080" "$app_image" >/dev/null
until docker exec "$slug-postgres" psql -XAtq -U app -d app -c "SELECT to_regclass('public.users') IS NOT NULL" 2>/dev/null | grep -q t; do sleep 0.2; done
hash=$(node -e "process.stdout.write(require('bcryptjs').hashSync('bench-password', 12))")
printf "\\\\set u '%s'\n\\\\set h '%s'\nINSERT INTO users (username, password_hash) VALUES (:'u', :'h');\n" "$slug" "$hash" |
  docker exec -i "$slug-postgres" psql -XAtq -v ON_ERROR_STOP=1 -U app -d app >/dev/null
until curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; do sleep 0.2; done
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f\n", e - s }'
