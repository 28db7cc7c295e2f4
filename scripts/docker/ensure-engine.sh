#!/usr/bin/env bash
# Make sure a Docker engine answers on /var/run/docker.sock. Idempotent: on a machine where
# the engine already runs it only checks; on a fresh Debian bookworm machine it installs
# docker.io with apt and starts dockerd in the background (no systemd here). It also installs
# Debian's docker-compose (1.29), with which operators (and the tests) look at tenants' stacks:
# `docker-compose -p client-<slug> ps`.
#
# Env: DOCKERD_LOG (default /tmp/tenantry-dockerd.log), DOCKERD_WAIT_SECONDS (default 60),
#      DOCKERD_EXTRA_ARGS (extra flags for dockerd, word-split).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SOCK=/var/run/docker.sock
LOG=${DOCKERD_LOG:-/tmp/tenantry-dockerd.log}
WAIT=${DOCKERD_WAIT_SECONDS:-60}

engine_answers() { command -v docker >/dev/null && docker -H "unix://$SOCK" info >/dev/null 2>&1; }

ensure_compose() {
  command -v docker-compose >/dev/null && return 0
  if [ "$(id -u)" = 0 ]; then
    timed "apt-get install docker-compose" apt_install docker-compose
  else
    log "docker-compose is missing: install it as root (apt-get install -y docker-compose) to inspect stacks with it"
  fi
}

if engine_answers; then
  log "docker engine already answers on $SOCK"
  ensure_compose
  exit 0
fi
need_root

# /usr/local/bin/docker (a newer client) may exist without an engine: look for dockerd itself.
if ! command -v dockerd >/dev/null; then
  timed "apt-get install docker.io" apt_install docker.io
fi
command -v docker >/dev/null || die "no docker client on PATH after installing docker.io"

# A pid file left by an engine that ended with the machine's last session names a pid that
# another process may hold now: dockerd would then refuse to start ("pid file found"), and the
# containerd it supervises would be taken for running (and later signalled). Remove such files;
# a file naming a live process of the right name is left alone.
clear_stale_pidfile() {
  local file=$1 name=$2 pid
  [ -f "$file" ] || return 0
  pid=$(tr -dc '0-9' <"$file")
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then return 0; fi
  log "removing stale $file (pid ${pid:-none} is not a running $name)"
  rm -f "$file"
}

# A dockerd that is still starting holds the pid file; starting a second one would fail,
# so only start one when none runs.
started_pid=
if pgrep -x dockerd >/dev/null; then
  log "dockerd is running but not answering yet; waiting"
else
  clear_stale_pidfile /var/run/docker.pid dockerd
  clear_stale_pidfile /var/run/docker/containerd/containerd.pid containerd
  log "starting dockerd (log: $LOG)"
  # setsid + nohup: dockerd must outlive this script and the shell that ran it. Without job
  # control the background job leads no process group, so setsid and nohup exec in place and
  # $! ends up being dockerd's own pid.
  # shellcheck disable=SC2086
  setsid nohup dockerd ${DOCKERD_EXTRA_ARGS:-} >>"$LOG" 2>&1 </dev/null &
  started_pid=$!
fi

# Alive: the process we started (under whichever name it has reached in its exec chain), or
# any dockerd. "Exited" only after three checks in a row find neither, so a dockerd between
# setsid's exec and its own is never taken for a dead one.
engine_process_alive() {
  { [ -n "$started_pid" ] && kill -0 "$started_pid" 2>/dev/null; } || pgrep -x dockerd >/dev/null
}

start=$SECONDS
misses=0
until engine_answers; do
  if (( SECONDS - start >= WAIT )); then
    log "last lines of $LOG:"
    tail -n 30 "$LOG" >&2 || true
    die "docker engine did not answer on $SOCK within ${WAIT}s"
  fi
  if engine_process_alive; then
    misses=0
  else
    misses=$((misses + 1))
    if (( misses >= 3 )); then
      log "last lines of $LOG:"
      tail -n 30 "$LOG" >&2 || true
      die "dockerd exited while starting (see the lines above; a stale /var/run/docker.pid or another engine on $SOCK are the usual causes)"
    fi
  fi
  sleep 1
done
log "docker engine answers on $SOCK after $((SECONDS - start))s ($(docker version --format '{{.Server.Version}}'))"
ensure_compose
