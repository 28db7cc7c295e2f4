#!/usr/bin/env bash
# The quick start's reverse proxy (issue 14): `scripts/start-caddy.sh <portal command…>` starts
# Debian's Caddy (installed by scripts/ensure-caddy.sh when missing and run as root) with its own
# admin address on loopback (QUICK_START_CADDY_ADMIN, default 127.0.0.1:2119: not 2019, which a
# system Caddy may hold) and its files under $DATA_DIR/caddy, then runs the portal command with
# CADDY_ADMIN_URL, TENANT_HOST_PATTERN={slug}.localhost and TENANT_PROXY_LISTEN=127.0.0.1:8080, so
# that tenants answer at http://<slug>.localhost:8080/ with no configuration (browsers resolve
# *.localhost to loopback).
# Why a wrapper: Caddy is a child of this script and ends with the portal. Ctrl-C (or SIGTERM/SIGHUP
# to this script) stops the portal first, then Caddy; Caddy runs in its own session so that Ctrl-C
# does not stop it before the portal has drained. A Caddy left by a killed run (kill -9) is found
# by its pid file and stopped at the next start.
# Settings already set win: TENANT_HOST_PATTERN and TENANT_PROXY_LISTEN (the tenants' port is a
# setting) are used as given; CADDY_ADMIN_URL (the vendor runs Caddy) or TENANT_TLS other than off
# (HTTPS: the vendor's Caddy too) mean none is started here; QUICK_START_CADDY=off starts none
# either; CADDY_PATH names the binary. When Caddy is missing and cannot be installed, or cannot
# start (the port taken…), the portal runs with today's host ports and one line says so and what
# to do.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ $# -eq 0 ]; then
  echo "usage: scripts/start-caddy.sh <portal command…> (npm start runs it)" >&2
  exit 2
fi

CADDY_DIR=$(realpath -m "${DATA_DIR:-data}/caddy")
ADMIN=${QUICK_START_CADDY_ADMIN:-127.0.0.1:2119}
LISTEN=${TENANT_PROXY_LISTEN:-127.0.0.1:8080}
[[ "$LISTEN" == *:* ]] || LISTEN=":$LISTEN" # a bare port, as the portal reads it
PATTERN=${TENANT_HOST_PATTERN:-"{slug}.localhost"}
PORT_ONLY=${LISTEN##*:}
case "$PORT_ONLY" in 80) SHOWN_PORT="" ;; *) SHOWN_PORT=":$PORT_ONLY" ;; esac
SCHEME=http
[ "$PORT_ONLY" = 443 ] && SCHEME=https && SHOWN_PORT=""
TENANT_ADDRESS="$SCHEME://${PATTERN//\{slug\}/<slug>}$SHOWN_PORT/"

caddy_pid=""
portal_pid=""

say() { echo "start: $*" >&2; }

# The one line of the fallback: what happened, what tenants get instead, what to do.
fall_back() {
  say "no reverse proxy: $1. Tenants get host ports (http://localhost:<port>/) instead of $TENANT_ADDRESS. To fix: $2, then restart npm start."
}

# A Caddy of ours still running from a run that was killed: stopped, so its ports are free again.
stop_leftover() {
  local pidfile="$CADDY_DIR/caddy.pid" pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$CADDY_DIR/caddy.json"; then
    # Still the child of a running start-caddy.sh: another npm start on this data folder, left alone.
    local parent
    parent=$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null || true)
    if [ -n "$parent" ] && tr '\0' ' ' <"/proc/$parent/cmdline" 2>/dev/null | grep -qF "scripts/start-caddy.sh"; then
      fall_back "another npm start runs on this data folder (its Caddy is pid $pid)" "stop it (Ctrl-C in its terminal) or give this one another DATA_DIR"
      return 1
    fi
    say "stopping the Caddy left running by a previous start (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

find_caddy() {
  if [ -n "${CADDY_PATH:-}" ]; then
    [ -x "$CADDY_PATH" ] && { echo "$CADDY_PATH"; return 0; }
    fall_back "CADDY_PATH=$CADDY_PATH is not an executable file" "point CADDY_PATH at Caddy's binary (Debian: /usr/bin/caddy) or unset it"
    return 1
  fi
  command -v caddy 2>/dev/null && return 0
  if [ "$(id -u)" != 0 ]; then
    fall_back "Caddy is not installed and installing it needs root" "install Debian's caddy (sudo apt-get install caddy; its service can stay stopped) or run npm start as root once"
    return 1
  fi
  say "installing Debian's caddy (its system service is left stopped)"
  local installed
  # apt's output stays visible (stderr); the path is the script's last line.
  if installed=$(bash scripts/ensure-caddy.sh 2>&1 | tee /dev/stderr | tail -n 1) && [ -x "$installed" ]; then
    echo "$installed"
    return 0
  fi
  fall_back "Caddy could not be installed (see the apt output above)" "install Debian's caddy by hand (apt-get install caddy)"
  return 1
}

# The tenants' server is in the first configuration, so Caddy binds the tenants' port at start
# (a port already taken makes it fail now, not at the first tenant), with the routes Caddy saved
# at its last run (scripts/lib/quick-start-caddy-config.mjs).
routes_kept=0
write_config() {
  mkdir -p "$CADDY_DIR"
  routes_kept=$(node scripts/lib/quick-start-caddy-config.mjs "$CADDY_DIR/caddy.json" "$ADMIN" "$LISTEN" "$CADDY_DIR/config/caddy/autosave.json")
}

start_caddy() {
  local binary=$1 taken
  # Caddy binds with SO_REUSEPORT: another Caddy on these ports would not make it fail (ports-free.mjs).
  if ! taken=$(node scripts/lib/ports-free.mjs "$LISTEN" "$ADMIN"); then
    fall_back "an address Caddy needs is in use by another program (${taken// / and })" "free it (ss -ltnp 'sport = :$PORT_ONLY' or 'sport = :${ADMIN##*:}' shows the program) or choose other addresses with TENANT_PROXY_LISTEN / QUICK_START_CADDY_ADMIN"
    return 1
  fi
  write_config || { fall_back "the configuration could not be written to $CADDY_DIR" "check that folder"; return 1; }
  # Its own session (setsid): Ctrl-C reaches the portal, and Caddy is stopped after it.
  XDG_DATA_HOME="$CADDY_DIR/data" XDG_CONFIG_HOME="$CADDY_DIR/config" \
    setsid "$binary" run --config "$CADDY_DIR/caddy.json" --pidfile "$CADDY_DIR/caddy.pid" \
    >"$CADDY_DIR/caddy.log" 2>&1 </dev/null &
  caddy_pid=$!
  # Caddy prints "serving initial configuration" once its admin API and the tenants' port are up.
  for _ in $(seq 1 150); do
    if ! kill -0 "$caddy_pid" 2>/dev/null; then
      wait "$caddy_pid" 2>/dev/null
      caddy_pid=""
      local why
      why=$(grep '^Error: ' "$CADDY_DIR/caddy.log" | tail -n 1 | sed 's/^Error: //')
      fall_back "Caddy did not start (${why:-see $CADDY_DIR/caddy.log})" "read that error (Caddy's log: $CADDY_DIR/caddy.log), or choose other addresses with TENANT_PROXY_LISTEN / QUICK_START_CADDY_ADMIN"
      return 1
    fi
    grep -q "serving initial configuration" "$CADDY_DIR/caddy.log" 2>/dev/null && return 0
    sleep 0.2
  done
  stop_caddy
  fall_back "Caddy did not finish starting within 30 s (its log: $CADDY_DIR/caddy.log)" "read that log"
  return 1
}

stop_caddy() {
  [ -n "$caddy_pid" ] || return 0
  kill -TERM "$caddy_pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$caddy_pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$caddy_pid" 2>/dev/null || true
  wait "$caddy_pid" 2>/dev/null
  rm -f "$CADDY_DIR/caddy.pid"
  caddy_pid=""
}

# Interrupted while Caddy starts: Caddy (in its own session) is stopped all the same.
trap stop_caddy EXIT
trap 'exit 130' INT TERM HUP
if [[ "${QUICK_START_CADDY:-on}" =~ ^(off|0|false|no)$ ]]; then
  say "QUICK_START_CADDY=$QUICK_START_CADDY: no reverse proxy started; tenants get host ports (http://localhost:<port>/)."
elif [ -n "${CADDY_ADMIN_URL:-}" ]; then
  say "CADDY_ADMIN_URL is set: tenant routes go to that Caddy; the quick start starts none."
elif [ -n "${TENANT_TLS:-}" ] && [ "$TENANT_TLS" != off ]; then
  say "TENANT_TLS=$TENANT_TLS is set: the quick start's Caddy serves plain HTTP only, so it starts none; run your Caddy and set CADDY_ADMIN_URL (README, HTTPS per tenant)."
elif ! [[ "${TENANT_BIND_ADDRESS:-127.0.0.1}" =~ ^(127\.[0-9.]+|::1|\[::1\])$ ]]; then
  fall_back "TENANT_BIND_ADDRESS=$TENANT_BIND_ADDRESS publishes the apps beyond loopback, and behind the proxy they stay on loopback" "unset TENANT_BIND_ADDRESS (or set 127.0.0.1)"
else
  if stop_leftover && binary=$(find_caddy) && start_caddy "$binary"; then
    export CADDY_ADMIN_URL="http://$ADMIN" TENANT_HOST_PATTERN="$PATTERN" TENANT_PROXY_LISTEN="$LISTEN"
    export TENANT_TLS=${TENANT_TLS:-off}
    say "Caddy (quick start) runs: tenants answer at $TENANT_ADDRESS (admin API $ADMIN, log $CADDY_DIR/caddy.log; tenant routes kept from its last run: $routes_kept, the reconciler checks them)."
  fi
fi

# The portal as a child: the traps stop it, then Caddy; its exit code is this script's.
stop_portal() { [ -n "$portal_pid" ] && kill -TERM "$portal_pid" 2>/dev/null; }
trap stop_portal INT TERM HUP
"$@" &
portal_pid=$!
while :; do
  wait "$portal_pid"
  status=$?
  kill -0 "$portal_pid" 2>/dev/null || break
done
wait "$portal_pid" 2>/dev/null && status=0 || { s=$?; [ "$s" != 127 ] && status=$s; }
stop_caddy
exit "$status"
