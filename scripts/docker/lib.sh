# Shared helpers for scripts/docker/*.sh. Source it; it defines functions only.
# shellcheck shell=bash

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Run a step and print how long it took, so slow steps (debootstrap, apt) are visible.
timed() {
  local label=$1; shift
  local start=$SECONDS
  log "step: $label"
  "$@"
  log "step: $label done in $((SECONDS - start))s"
}

need_root() { [ "$(id -u)" = 0 ] || die "run as root (apt-get, dockerd and debootstrap need it)"; }

# apt_install comes from the project's shared helper.
# shellcheck source=../lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/apt.sh"

# The Debian mirror this machine is configured to use, read from its own apt sources
# (deb822 *.sources first, then one-line sources.list). We never hard-code a mirror host.
debian_mirror() {
  local suite=${1:-bookworm} f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # deb822 stanzas are separated by blank lines; take the first stanza whose Suites has $suite.
    uri=$(awk -v suite="$suite" '
      /^[[:space:]]*#/ { next }
      /^[[:space:]]*$/ { if (u != "" && s) { print u; exit } u = ""; s = 0; next }
      tolower($1) == "uris:"   { u = $2 }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) s = 1 }
      END { if (u != "" && s) print u }' "$f" | head -n1)
    [ -n "$uri" ] && { printf '%s\n' "$uri"; return 0; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # "deb [options] URI SUITE COMPONENTS..."
    uri=$(awk -v suite="$suite" '
      $1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                    if ($(i + 1) == suite) { print $i; exit } }' "$f")
    [ -n "$uri" ] && { printf '%s\n' "$uri"; return 0; }
  done
  return 1
}

docker_image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
