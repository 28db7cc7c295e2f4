#!/usr/bin/env bash
# Makes sure Debian's `pebble` (a small ACME certificate authority made for tests) is installed, for
# the on-demand TLS test of issue 14: Caddy gets a tenant's certificate from a real ACME server run
# on loopback. The test starts its own `pebble` on free ports, so the package must leave no service
# running (apt_install_no_service, lib/apt.sh). Prints the binary's path on its last line.
set -euo pipefail
source "$(dirname "$0")/lib/apt.sh"

# Debian installs it in /usr/bin; some releases keep it out of PATH's usual directories.
find_pebble() {
  command -v pebble 2>/dev/null || { [ -x /usr/bin/pebble ] && echo /usr/bin/pebble; } || true
}

[ -n "$(find_pebble)" ] || apt_install_no_service pebble
stop_package_service pebble
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
