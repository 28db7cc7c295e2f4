#!/usr/bin/env bash
# Entrypoint of tenantry/postgres:15-local, a small subset of the official image's one:
# - first start on an empty $PGDATA: initdb with POSTGRES_USER/POSTGRES_PASSWORD, password
#   (scram-sha-256) auth over TCP from anywhere, trust on the local socket (as the official
#   image; `docker exec ... psql` relies on it), create POSTGRES_DB, run
#   /docker-entrypoint-initdb.d/*.sql|*.sh;
# - runs the server as the postgres user, listening on all interfaces;
# - SIGTERM (docker stop) becomes a fast shutdown instead of postgres' "smart" one, which
#   would wait for the app's pooled connections to go away until docker kills us.
set -Eeuo pipefail

# `docker run IMAGE -c foo=bar` means postgres options, like the official image.
if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi
# Anything else (psql, pg_isready, bash...) runs as is.
if [ "$1" != 'postgres' ]; then exec "$@"; fi

if [ "$(id -u)" = 0 ]; then
  # A bind mount or a fresh volume may be root-owned: fix it, then drop to postgres.
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  export HOME=/var/lib/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

init_cluster() {
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo 'error: database is uninitialized and POSTGRES_PASSWORD is not set' >&2
    exit 1
  fi
  local user=${POSTGRES_USER:-postgres}
  local db=${POSTGRES_DB:-$user}
  # The password goes through a pipe, never a command line or a file left on disk.
  # shellcheck disable=SC2086
  initdb -D "$PGDATA" --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
    ${POSTGRES_INITDB_ARGS:-}
  printf '\n# tenantry: password auth from any address\nhost all all all scram-sha-256\n' \
    >>"$PGDATA/pg_hba.conf"
  printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

  # Temporary server on the socket only: nothing outside can connect, and a TCP pg_isready
  # (our healthcheck) stays "not ready" until initialisation is complete.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
  # \gexec with quote_ident: the database name is never spliced into SQL by the shell.
  psql -X -v ON_ERROR_STOP=1 --username="$user" --dbname=postgres --set=db="$db" <<'SQL'
SELECT format('CREATE DATABASE %I', :'db')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) echo "running $f"; bash "$f" ;;
      *.sql) echo "running $f"; psql -X -v ON_ERROR_STOP=1 --username="$user" --dbname="$db" -f "$f" ;;
      *) ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo 'PostgreSQL init process complete; ready for start up.'
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  init_cluster
fi

"$@" &
pid=$!
trap 'kill -INT "$pid" 2>/dev/null || true' TERM INT
trap 'kill -HUP "$pid" 2>/dev/null || true' HUP
trap 'kill -QUIT "$pid" 2>/dev/null || true' QUIT
status=0
while :; do
  # wait returns early (status > 128) when one of the traps above fires; go on waiting
  # until postgres itself has exited, then exit with its status.
  wait "$pid" && status=0 || status=$?
  kill -0 "$pid" 2>/dev/null || break
done
exit "$status"
