#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine: a virtual environment with the pinned
# Python packages, Debian's Chromium (used by the browser tests and for chart image export) and
# Debian's PostgreSQL server (tests/test_postgres.py starts a throw-away cluster with it) and
# Debian's Redis server (tests/test_redis_sharing.py starts a throw-away one), Debian's nginx
# (tests/test_nginx.py runs it in front of gunicorn on loopback) and systemd's systemd-analyze
# (tests/test_deploy_units.py checks the units with it).
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "Creating the virtual environment in .venv"
  "$PYTHON" -m venv .venv
fi
echo "Installing Python packages from requirements-dev.txt (runtime packages and test tools)"
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements-dev.txt
echo "Installing the project itself (editable: lfo, etl, dashboard and the lfo-etl command)"
.venv/bin/python -m pip install --quiet --no-deps -e .

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
UPDATED=""
debian_package() {  # debian_package PACKAGE WHY: apt-get install it (one apt-get update per run)
  echo "Installing $1 (Debian package) $2"
  if [ -z "$UPDATED" ]; then $SUDO apt-get update -qq; UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$1" >/dev/null
}

if [ -z "${LFO_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  debian_package chromium "for the browser tests"
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  debian_package postgresql "for the PostgreSQL tests"
fi
if ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then
  debian_package redis-server "for the several-hosts tests"
fi
if [ ! -x /usr/sbin/nginx ]; then
  debian_package nginx "for tests/test_nginx.py (deploy/nginx/lfo.conf)"
fi
if ! command -v systemd-analyze >/dev/null 2>&1; then
  debian_package systemd "for tests/test_deploy_units.py (systemd-analyze verify of deploy/systemd/)"
fi
echo "Installed."
