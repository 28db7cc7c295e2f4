# apt_install PKG…: installs Debian packages from the machine's own apt sources, refreshing the
# package lists once per run. Meant to be sourced.
APT_UPDATED=${APT_UPDATED:-0}
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "Missing Debian packages: $*. Install them (as root: apt-get install -y $*) and run again." >&2
    return 1
  fi
  if [ "$APT_UPDATED" = 0 ]; then
    echo "apt: updating package lists" >&2
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
    APT_UPDATED=1
  fi
  echo "apt: installing $*" >&2
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" >&2
}
