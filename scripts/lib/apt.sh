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

# apt_install_no_service PKG…: installs packages whose postinst would start a system service the
# tests run themselves instead (caddy, pebble): service starts are refused during the install
# (policy-rc.d exiting 101, "action forbidden", so deb-systemd-invoke and invoke-rc.d start
# nothing), then any such service found running is stopped and disabled.
apt_install_no_service() {
  local policy=/usr/sbin/policy-rc.d own_policy=0 status=0 pkg
  if [ "$(id -u)" = 0 ] && [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
  fi
  apt_install "$@" || status=$?
  [ "$own_policy" = 1 ] && rm -f "$policy"
  [ "$status" = 0 ] || return "$status"
  for pkg in "$@"; do stop_package_service "$pkg"; done
}

# stop_package_service NAME: stops and disables the system service NAME if systemd runs it.
stop_package_service() {
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] \
    && systemctl is-active --quiet "$1" 2>/dev/null; then
    _apt_log "stopping and disabling the $1 system service (the tests run their own)"
    systemctl disable --now "$1" >&2 || true
  fi
}
