#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser tests (Playwright cannot download its
# own browsers here). Prints the browser's path on its last line.
set -euo pipefail
source "$(dirname "$0")/lib/apt.sh"
command -v chromium >/dev/null 2>&1 || apt_install chromium
command -v chromium
