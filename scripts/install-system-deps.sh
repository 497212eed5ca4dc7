#!/bin/sh
# Debian packages the tests and benchmarks need, installed only when missing (idempotent, quiet;
# runs as root, as on CI and in containers):
#   nginx + njs + cache-purge  the CDN edge in front of the delivery origin (HMAC tokens in njs)
#   wrk                        a bounded loopback load generator for the benchmarks
#   chromium                   the browser the Playwright tests drive (it cannot download its own)
set -eu

PACKAGES="nginx libnginx-mod-http-js libnginx-mod-http-cache-purge wrk chromium"

missing=""
for package in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-system-deps: missing:$missing; run this script as root" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# The Debian package starts a system nginx on port 80; the tests run their own, so stop it.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now nginx >/dev/null 2>&1 || true; fi
service nginx stop >/dev/null 2>&1 || true
