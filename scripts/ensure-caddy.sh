#!/usr/bin/env bash
# Makes sure Debian's Caddy is installed for the HTTPS-per-tenant tests (issue 14). Tenantry runs
# Caddy itself (`caddy run` with its own config), so the package's system service must not be left
# running: it would hold the admin port 2019 and ports 80/443 (apt_install_no_service, lib/apt.sh).
# Prints the binary's path on its last line.
set -euo pipefail
source "$(dirname "$0")/lib/apt.sh"

command -v caddy >/dev/null 2>&1 || apt_install_no_service caddy
stop_package_service caddy
command -v caddy
