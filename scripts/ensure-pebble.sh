#!/usr/bin/env bash
# Makes sure Debian's `pebble` (a small ACME certificate authority made for tests) is installed, for
# the on-demand TLS test of issue 14: Caddy gets a tenant's certificate from a real ACME server run
# on loopback. The test starts its own `pebble` on free ports, so the package must leave no service
# running: starts are refused during the install (policy-rc.d) and a pebble service found running
# afterwards is stopped and disabled. Prints the binary's path on its last line.
set -euo pipefail
source "$(dirname "$0")/lib/apt.sh"

stop_system_pebble() {
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] \
    && systemctl is-active --quiet pebble 2>/dev/null; then
    echo "pebble: stopping and disabling the package's system service (the tests run their own)" >&2
    systemctl disable --now pebble >&2 || true
  fi
}

# Debian installs it in /usr/bin; some releases keep it out of PATH's usual directories.
find_pebble() {
  command -v pebble 2>/dev/null || { [ -x /usr/bin/pebble ] && echo /usr/bin/pebble; } || true
}

if [ -z "$(find_pebble)" ]; then
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ "$(id -u)" = 0 ] && [ ! -e "$policy" ]; then
    # 101 = "action forbidden": deb-systemd-invoke and invoke-rc.d then start nothing.
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
  fi
  status=0
  apt_install pebble || status=$?
  [ "$own_policy" = 1 ] && rm -f "$policy"
  [ "$status" = 0 ] || exit "$status"
fi
stop_system_pebble
# The TLS test also makes a certificate for Pebble's own HTTPS listener with openssl (the package
# ships none) and checks Caddy's certificate with curl.
missing=()
for tool in openssl curl; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
path=$(find_pebble)
if [ -z "$path" ]; then
  echo "pebble: the package is installed but no pebble binary was found (dpkg -L pebble lists its files)." >&2
  exit 1
fi
echo "$path"
