#!/usr/bin/env bash
# Makes sure Debian's dnsmasq binary is installed for the custom-domain tests (issue 14): a DNS
# server on loopback stands in for public DNS. `dnsmasq-base` has the binary without the system
# service (the tests start their own dnsmasq on a free port and stop it). Prints the binary's path
# on its last line.
set -euo pipefail
source "$(dirname "$0")/lib/apt.sh"

find_dnsmasq() { command -v dnsmasq 2>/dev/null || { [ -x /usr/sbin/dnsmasq ] && echo /usr/sbin/dnsmasq; }; }

find_dnsmasq >/dev/null || apt_install dnsmasq-base
find_dnsmasq
