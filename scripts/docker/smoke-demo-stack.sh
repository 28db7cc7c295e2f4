#!/usr/bin/env bash
# shellcheck disable=SC2015 # `A && B || fail`: failing when either check fails is meant
# Bring up one "demo" tenant stack by hand with plain docker commands, mirroring
# compose-templates/demo/compose.yml, and check it really works: postgres initialises and
# only accepts passwords over TCP, the app migrates and is healthy on 127.0.0.1, the initial
# user created the way manifest.json describes can log in (and a wrong password cannot),
# both containers stop cleanly, data survives a postgres restart. Removes every container,
# network and volume it created, even on failure; keeps the images.
#
# Env: SMOKE_SLUG (default smoke-<pid>), SMOKE_APP_PORT (default: any free port),
#      POSTGRES_IMAGE / APP_IMAGE (default the local images, built if missing).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$HERE/lib.sh"
TEMPLATE=$REPO/compose-templates/demo
MANIFEST=$TEMPLATE/manifest.json

SLUG=${SMOKE_SLUG:-smoke-$$}
POSTGRES_IMAGE=${POSTGRES_IMAGE:-tenantry/postgres:15-local}
APP_IMAGE=${APP_IMAGE:-tenantry/demo-app:local}
PG_CT=$SLUG-postgres APP_CT=$SLUG-app NET=$SLUG-network VOL=$SLUG-postgres-data
LABELS=(--label "tenantry.tenant=$SLUG" --label tenantry.template=demo --label tenantry.smoke=true)
WORK=$(mktemp -d /tmp/tenantry-smoke.XXXXXX)
start_all=$SECONDS

cleanup() {
  local rc=$?
  if [ "$rc" != 0 ]; then
    log "FAILED (exit $rc); last container logs:"
    for c in "$PG_CT" "$APP_CT"; do
      docker logs --tail 30 "$c" 2>&1 | sed "s/^/  $c | /" >&2 || true
    done
  fi
  docker rm -f "$APP_CT" "$PG_CT" >/dev/null 2>&1 || true
  docker network rm "$NET" >/dev/null 2>&1 || true
  docker volume rm "$VOL" >/dev/null 2>&1 || true
  rm -rf "$WORK"
  log "cleaned up containers, network and volume of $SLUG"
}
trap cleanup EXIT

check() { log "ok: $*"; }
fail() { die "$*"; }

# Wait until a container's healthcheck says healthy; fail fast if it stops running.
wait_healthy() {
  local ct=$1 limit=$2 start=$SECONDS state
  while :; do
    state=$(docker inspect -f '{{.State.Status}}/{{.State.Health.Status}}' "$ct")
    [ "$state" = running/healthy ] && { check "$ct healthy after $((SECONDS - start))s"; return; }
    [[ "$state" == running/* ]] || fail "$ct is $state"
    (( SECONDS - start < limit )) || fail "$ct not healthy within ${limit}s ($state)"
    sleep 1
  done
}

# HTTP status of a request to the app; the body goes to $WORK/body.
http() { curl -sS -o "$WORK/body" -w '%{http_code}' --max-time 10 "$@"; }

# Manifest defaults, and every ${VAR} of compose.yml declared in the manifest (and back).
eval "$(node - "$MANIFEST" "$TEMPLATE/compose.yml" <<'JS'
const fs = require('fs');
const [manifestPath, composePath] = process.argv.slice(2);
const m = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
const compose = fs.readFileSync(composePath, 'utf8').replace(/^\s*#.*$/gm, '');
const declared = new Set(m.variables.map((v) => v.name));
const used = new Set([...compose.matchAll(/\$\{([^}]*)\}/g)].map((x) => x[1]));
const bad = [...used].filter((n) => !declared.has(n)).concat(
  [...declared].filter((n) => !used.has(n)).map((n) => `${n} (declared, unused)`));
if (bad.length) { console.error(`compose.yml and manifest.json disagree: ${bad.join(', ')}`); process.exit(1); }
const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
for (const v of m.variables) if ('default' in v) console.log(`DEFAULT_${v.name}=${q(v.default)}`);
console.log(`INITIAL_USER_SQL=${q(m.initialUser.sql)}`);
JS
)"
check "compose.yml and manifest.json declare the same variables"
POSTGRES_USER=$DEFAULT_POSTGRES_USER POSTGRES_DB=$DEFAULT_POSTGRES_DB
secret() { od -An -vtx1 -N "$1" /dev/urandom | tr -d ' \n'; }
POSTGRES_PASSWORD=$(secret 24) APP_SECRET_KEY=$(secret 32)
# Passed to `docker run -e NAME` by name only, so secrets never appear on a command line.
export POSTGRES_USER POSTGRES_DB POSTGRES_PASSWORD APP_SECRET_KEY

"$HERE/build-images.sh" >/dev/null 2>&1 || "$HERE/build-images.sh"  # skips existing images

log "stack $SLUG: network, volume, postgres"
docker network create "${LABELS[@]}" "$NET" >/dev/null
docker volume create "${LABELS[@]}" "$VOL" >/dev/null
t=$SECONDS
docker run -d --name "$PG_CT" --network "$NET" --network-alias postgres \
  --restart unless-stopped --memory "$DEFAULT_POSTGRES_MEM_LIMIT" --cpus "$DEFAULT_POSTGRES_CPUS" \
  "${LABELS[@]}" --label tenantry.service=postgres \
  -e POSTGRES_USER -e POSTGRES_PASSWORD -e POSTGRES_DB \
  -v "$VOL:/var/lib/postgresql/data" \
  --health-cmd "pg_isready -h 127.0.0.1 -p 5432 -U $POSTGRES_USER -d $POSTGRES_DB" \
  --health-interval 1s --health-timeout 5s --health-retries 120 \
  "$POSTGRES_IMAGE" >/dev/null
wait_healthy "$PG_CT" 120
log "postgres ready in $((SECONDS - t))s"

# Owner of PID 1 (the entrypoint) and of the postmaster, as the container names them.
[ "$(docker exec "$PG_CT" bash -c 'stat -c %U /proc/1 /proc/$(head -n1 "$PGDATA/postmaster.pid") | sort -u')" \
  = postgres ] || fail "postgres does not run as the postgres user"
check "postgres runs as the postgres user"
if docker run --rm --network "$NET" -e PGPASSWORD=wrong "$POSTGRES_IMAGE" \
     psql -h "$PG_CT" -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c 'SELECT 1' >/dev/null 2>"$WORK/err"; then
  fail "a wrong password was accepted over TCP"
fi
grep -q 'password authentication failed' "$WORK/err" || fail "unexpected error: $(cat "$WORK/err")"
[ "$(docker run --rm --network "$NET" -e PGPASSWORD="$POSTGRES_PASSWORD" "$POSTGRES_IMAGE" \
     psql -X -A -t -h "$PG_CT" -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c 'SHOW password_encryption')" \
  = scram-sha-256 ] || fail "the right password was refused over TCP, or no scram"
check "TCP from the tenant network: right password accepted (scram-sha-256), wrong refused"

log "stack $SLUG: app"
t=$SECONDS
docker run -d --name "$APP_CT" --network "$NET" \
  --restart unless-stopped --memory "$DEFAULT_APP_MEM_LIMIT" --cpus "$DEFAULT_APP_CPUS" \
  "${LABELS[@]}" --label tenantry.service=app \
  -e PORT=8080 -e PGHOST="$PG_CT" -e PGPORT=5432 -e PGUSER="$POSTGRES_USER" \
  -e PGPASSWORD="$POSTGRES_PASSWORD" -e PGDATABASE="$POSTGRES_DB" -e APP_SECRET_KEY \
  -p "127.0.0.1:${SMOKE_APP_PORT:-}:8080" \
  --health-cmd "node -e \"require('http').get('http://127.0.0.1:8080/health', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))\"" \
  --health-interval 1s --health-timeout 5s --health-retries 120 \
  "$APP_IMAGE" >/dev/null
wait_healthy "$APP_CT" 120
log "app ready in $((SECONDS - t))s"
ADDR=$(docker port "$APP_CT" 8080/tcp | head -n1)
[[ "$ADDR" == 127.0.0.1:* ]] || fail "app published on $ADDR, expected 127.0.0.1 only"
URL=http://$ADDR

[ "$(http "$URL/health")" = 200 ] && grep -q '"status":"ok"' "$WORK/body" || fail "/health: $(cat "$WORK/body")"
check "GET $URL/health 200 $(cat "$WORK/body")"
[ "$(http "$URL/login")" = 200 ] && grep -q 'name="password"' "$WORK/body" || fail "GET /login"
check "GET /login shows the form"
[ "$(docker exec -u postgres "$PG_CT" psql -X -A -t -U "$POSTGRES_USER" -d "$POSTGRES_DB" \
     -c "SELECT to_regclass('public.users') IS NOT NULL")" = t ] || fail "no users table"
check "users table exists"

# The initial user, exactly as manifest.json's initialUser describes: parameters as psql
# \set lines on stdin (quoted by its rule), then its SQL. The awkward name tests quoting
# and HTML escaping.
psql_quote() { local v=${1//\\/\\\\}; v=${v//\'/\'\'}; v=${v//$'\n'/\\n}; printf "'%s'" "${v//$'\r'/\\r}"; }
bcrypt_hash() { # bcryptjs inside the app image; the password goes through stdin
  docker run -i --rm "$APP_IMAGE" node -e "let s='';process.stdin.on('data',(d)=>s+=d).on('end',
    ()=>process.stdout.write(require('bcryptjs').hashSync(s,10)))"
}
create_user() {
  local hash
  hash=$(printf '%s' "$2" | bcrypt_hash)
  printf '\\set username %s\n\\set password_hash %s\n%s\n' \
    "$(psql_quote "$1")" "$(psql_quote "$hash")" "$INITIAL_USER_SQL" |
    docker exec -i -u postgres "$PG_CT" psql -X -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"
}
USERNAME="ana o'brien <b>&\\x"
PASSWORD=$(secret 12)
create_user "$USERNAME" "$PASSWORD"
[ "$(docker exec -u postgres "$PG_CT" psql -X -A -t -U "$POSTGRES_USER" -d "$POSTGRES_DB" \
     -c 'SELECT username FROM users')" = "$USERNAME" ] || fail "username not stored verbatim"
check "initial user inserted through psql stdin, username stored verbatim"

login() { http --data-urlencode "username=$1" --data-urlencode "password=$2" "$URL/login"; }
[ "$(login "$USERNAME" "$PASSWORD")" = 200 ] || fail "right password refused: $(cat "$WORK/body")"
grep -qF 'Welcome ana o&#39;brien &lt;b&gt;&amp;\x' "$WORK/body" || fail "welcome page: $(cat "$WORK/body")"
grep -qF '<b>' "$WORK/body" && fail "username echoed without HTML escaping"
check "POST /login right password: 200, name HTML-escaped"
[ "$(login "$USERNAME" wrong-password)" = 401 ] || fail "wrong password not refused"
[ "$(login nobody "$PASSWORD")" = 401 ] || fail "unknown user not refused"
check "POST /login wrong password / unknown user: 401"

NEW_PASSWORD=$(secret 12)
create_user "$USERNAME" "$NEW_PASSWORD"
[ "$(login "$USERNAME" "$PASSWORD")" = 401 ] && [ "$(login "$USERNAME" "$NEW_PASSWORD")" = 200 ] ||
  fail "re-running the initial user did not replace the password"
check "initial user is idempotent: re-running resets the password"

# Initialisation already logged one fast shutdown; docker stop must add one more.
fast_stops() { docker logs "$PG_CT" 2>&1 | grep -c 'received fast shutdown request' || true; }
before=$(fast_stops)
t=$SECONDS
docker stop -t 20 "$PG_CT" >/dev/null
[ "$(docker inspect -f '{{.State.ExitCode}}' "$PG_CT")" = 0 ] || fail "postgres exit code not 0"
[ "$(fast_stops)" = $((before + 1)) ] || fail "postgres did not do a fast shutdown on SIGTERM"
check "postgres stopped cleanly on SIGTERM in $((SECONDS - t))s"
[ "$(http "$URL/health")" = 503 ] || fail "/health not 503 with the database down"
check "GET /health 503 while postgres is down"
docker start "$PG_CT" >/dev/null
wait_healthy "$PG_CT" 60
[ "$(docker logs "$PG_CT" 2>&1 | grep -c 'init process complete')" = 1 ] || fail "cluster initialised twice"
for _ in $(seq 30); do [ "$(http "$URL/health")" = 200 ] && break; sleep 1; done
[ "$(login "$USERNAME" "$NEW_PASSWORD")" = 200 ] || fail "user lost after a postgres restart"
check "after a postgres restart: data kept, no re-init, app healthy again"

t=$SECONDS
docker stop -t 20 "$APP_CT" >/dev/null
[ "$(docker inspect -f '{{.State.ExitCode}}' "$APP_CT")" = 0 ] || fail "app exit code not 0"
(( SECONDS - t < 10 )) || fail "app took $((SECONDS - t))s to stop"
check "app stopped cleanly on SIGTERM in $((SECONDS - t))s"

log "smoke test of the demo stack passed in $((SECONDS - start_all))s"
