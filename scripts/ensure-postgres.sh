#!/usr/bin/env bash
# Makes sure a PostgreSQL server from Debian's packages runs on 127.0.0.1:5432 with a role the
# tests may use to create their own databases. Idempotent; installs the package when missing.
# Prints the URL to use as TEST_POSTGRES_URL on its last line.
set -euo pipefail
source "$(dirname "$0")/lib/apt.sh"

ROLE=tenantry_test
PASSWORD=tenantry_test

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt_install postgresql
fi

cluster_line=$(pg_lsclusters --no-header | head -n 1 || true)
if [ -z "$cluster_line" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  echo "ensure-postgres: creating cluster $version/main" >&2
  pg_createcluster "$version" main >/dev/null
  cluster_line=$(pg_lsclusters --no-header | head -n 1)
fi
read -r version name port status _ <<<"$cluster_line"
if [ "$status" != "online" ]; then
  echo "ensure-postgres: starting cluster $version/$name" >&2
  pg_ctlcluster "$version" "$name" start
fi

for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 1
done
pg_isready -q -h 127.0.0.1 -p "$port" || { echo "ensure-postgres: PostgreSQL $version/$name does not accept connections on 127.0.0.1:$port; see /var/log/postgresql/" >&2; exit 1; }

# npm test runs two lanes of tests at once, each starting portals with connection pools: 100
# connections (Debian's default) is too few. Raised once, with a restart; kept afterwards.
connections=$(su postgres -c "psql -Atq -p $port -c 'SHOW max_connections'")
if [ "$connections" -lt 300 ]; then
  echo "ensure-postgres: max_connections $connections -> 300 (restart)" >&2
  su postgres -c "psql -q -p $port -c 'ALTER SYSTEM SET max_connections = 300'" >/dev/null
  pg_ctlcluster "$version" "$name" restart
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 1
  done
fi

# The role may create databases (each test file makes its own) and drop them with what still holds
# them: DROP DATABASE … WITH (FORCE) must end an autovacuum worker that happens to be in the database,
# which only pg_signal_backend members may do (without it the drop fails now and then).
su postgres -c "psql -q -p $port -v ON_ERROR_STOP=1" >/dev/null <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  END IF;
END
\$\$;
GRANT pg_signal_backend TO $ROLE;
SQL
echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$port/postgres"
