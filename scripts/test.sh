#!/usr/bin/env bash
# Install everything the test suite needs, then run lint, type checks and every test.
#
# Debian packages (real servers the integration tests start on 127.0.0.1) come from
# apt-get when running as root; Python packages go into ./.venv from PyPI.
# `.ci/run` calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

# Real servers used by integration tests; each is started by the tests themselves,
# bound to 127.0.0.1 only, and stopped when they end.
# postfix: the gateway tests run a private instance (postfix -c DIR) on a high port;
# libmilter-dev, gcc: pymilter (the gateway extra) is source-only and compiles against libmilter.
DEBIAN_PACKAGES=(nsd postfix libmilter-dev gcc)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "test.sh: installing Debian packages: ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        # Postfix asks for a mail setup on install; the tests bring their own config.
        echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
        apt-get update -qq >/dev/null
        # policy-rc.d keeps the packages' own services from starting system-wide:
        # the tests start their own instances on loopback.
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
            trap 'rm -f /usr/sbin/policy-rc.d' EXIT
        fi
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "test.sh: missing Debian packages ${missing[*]} and not root: integration tests will be skipped" >&2
    fi
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,gateway]'

.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy
exec .venv/bin/pytest "$@"
