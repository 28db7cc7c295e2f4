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

# A dockerd that is still starting holds the pid file; starting a second one would fail,
# so only start one when none runs.
if pgrep -x dockerd >/dev/null; then
  log "dockerd is running but not answering yet; waiting"
else
  log "starting dockerd (log: $LOG)"
  # setsid + nohup: dockerd must outlive this script and the shell that ran it.
  # shellcheck disable=SC2086
  setsid nohup dockerd ${DOCKERD_EXTRA_ARGS:-} >>"$LOG" 2>&1 </dev/null &
fi

start=$SECONDS
until engine_answers; do
  if (( SECONDS - start >= WAIT )); then
    log "last lines of $LOG:"
    tail -n 30 "$LOG" >&2 || true
    die "docker engine did not answer on $SOCK within ${WAIT}s"
  fi
  if ! pgrep -x dockerd >/dev/null; then
    log "last lines of $LOG:"
    tail -n 30 "$LOG" >&2 || true
    die "dockerd exited while starting"
  fi
  sleep 1
done
log "docker engine answers on $SOCK after $((SECONDS - start))s ($(docker version --format '{{.Server.Version}}'))"
ensure_compose
