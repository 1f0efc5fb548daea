#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine: a virtual environment with the pinned
# Python packages, Debian's Chromium (used by the browser tests and for chart image export) and
# Debian's PostgreSQL server (tests/test_postgres.py starts a throw-away cluster with it) and
# Debian's Redis server (tests/test_redis_sharing.py starts a throw-away one).

# Debian's nginx (tests/test_nginx.py runs it in front of gunicorn on loopback).
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

if [ -z "${LFO_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Chromium (Debian package) for the browser tests"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "Installing PostgreSQL (Debian package) for the PostgreSQL tests"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
if ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then
  echo "Installing Redis (Debian package) for the several-hosts tests"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
fi
if [ ! -x /usr/sbin/nginx ]; then
  echo "Installing nginx (Debian package) for tests/test_nginx.py (deploy/nginx/lfo.conf)"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx >/dev/null
fi
echo "Installed."
