#!/usr/bin/env bash
# Makes sure Debian's Caddy is installed for the HTTPS-per-tenant tests (issue 14). Tenantry runs
# Caddy itself (`caddy run` with its own config), so the package's system service must not be left
# running: it would hold the admin port 2019 and ports 80/443. Service starts are refused during the
# install (policy-rc.d), and a caddy service found running afterwards is stopped and disabled.
# Prints the binary's path on its last line.
set -euo pipefail
source "$(dirname "$0")/lib/apt.sh"

stop_system_caddy() {
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] \
    && systemctl is-active --quiet caddy 2>/dev/null; then
    echo "caddy: stopping and disabling the package's system service (Tenantry runs its own Caddy)" >&2
    systemctl disable --now caddy >&2 || true
  fi
}

if ! command -v caddy >/dev/null 2>&1; then
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ "$(id -u)" = 0 ] && [ ! -e "$policy" ]; then
    # 101 = "action forbidden": deb-systemd-invoke and invoke-rc.d then start nothing.
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
  fi
  status=0
  apt_install caddy || status=$?
  [ "$own_policy" = 1 ] && rm -f "$policy"
  [ "$status" = 0 ] || exit "$status"
fi
stop_system_caddy
command -v caddy
