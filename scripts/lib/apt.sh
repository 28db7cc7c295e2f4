# apt_install PKG…: installs Debian packages from the machine's own apt sources. Meant to be
# sourced. Refreshes the package lists only when a package has no candidate (or an install hits
# stale lists), at most once per run, and waits for another apt run's dpkg lock instead of failing.
# shellcheck shell=bash
_APT_UPDATED=0
_apt_log() { printf 'apt: %s\n' "$*" >&2; }

apt_update_once() {
  [ "$_APT_UPDATED" = 1 ] && return 0
  _apt_log "updating package lists"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  _APT_UPDATED=1
}

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    _apt_log "missing Debian packages: $*. Install them (as root: apt-get install -y $*) and run again."
    return 1
  fi
  local pkg policy
  for pkg in "$@"; do
    # Captured first: `apt-cache … | grep -q` can fail under pipefail when grep exits early.
    policy=$(apt-cache policy "$pkg" 2>/dev/null || true)
    if ! grep -q 'Candidate: [^(]' <<<"$policy"; then
      apt_update_once
      break
    fi
  done
  _apt_log "installing $*"
  if ! DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" >&2; then
    # Stale lists give 404s: one refresh and one retry.
    [ "$_APT_UPDATED" = 1 ] && return 1
    apt_update_once
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" >&2
  fi
}
