#!/usr/bin/env bash
# Set up (virtual environment and package) and start the service on its defaults:
# uvicorn on 127.0.0.1:8000, SQLite file doseopt.db, local workers. Settings: DOSEOPT_* variables.
# The package is installed in editable mode, so code changes need no reinstall; the install
# runs again only when pyproject.toml changes (its checksum is kept in .venv/.doseopt-setup).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.doseopt-setup
wanted=$(.venv/bin/python -c 'import hashlib,sys; print(hashlib.sha256(open("pyproject.toml","rb").read()).hexdigest())')
if [ ! -x .venv/bin/doseopt ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e .
  echo "$wanted" > "$stamp"
fi
# Each request runs on one thread; a multi-threaded BLAS inside one small solve only contends
# with the other requests (measured: scipy's L-BFGS-B iteration 1.5 ms vs 0.17 ms single-threaded).
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
exec .venv/bin/doseopt serve "$@"
