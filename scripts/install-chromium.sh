#!/bin/sh
# Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium; it cannot download
# its own browsers here). Idempotent and quiet: does nothing when Chromium is already installed.
set -eu
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-chromium.sh: /usr/bin/chromium is missing; run as root (or: sudo apt-get install chromium)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium >/dev/null
/usr/bin/chromium --version
