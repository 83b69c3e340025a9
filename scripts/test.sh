#!/usr/bin/env bash
# Set up (virtual environment, package with test and PostgreSQL extras, headless Chromium,
# PostgreSQL server binaries), then check and test, stopping at the first failure:
# ruff (lint), mypy (strict types), lint-imports (the import contracts in pyproject.toml),
# pytest.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev,postgres]'
# Browser tests drive Debian's Chromium; the PostgreSQL tests start a throw-away cluster with
# Debian's server binaries. Install whichever is missing, in one apt run, when we may.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
if [ "${#missing[@]}" -gt 0 ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "== ruff check ."
.venv/bin/ruff check .
echo "== mypy"
.venv/bin/mypy
echo "== lint-imports"
.venv/bin/lint-imports
echo "== pytest"
exec .venv/bin/python -m pytest "$@"
